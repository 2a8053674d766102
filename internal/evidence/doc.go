// Package evidence is chengguan's evidence store: photos, video, audio and documents kept
// on disk content-addressed by SHA-256, so that the hash a ledger record holds names exactly
// one file and anyone can re-hash the file to see that it is still the one recorded.
//
// # Layout
//
// A blob with hash ab cd ef… (64 lowercase hex) lives at
//
//	<dir>/sha256/ab/cd/abcdef…
//
// and is written read-only. Put streams into <dir>/tmp (the same file system, so the final
// rename is atomic), hashing as it goes, fsyncs the file, renames it into place and fsyncs
// the directory: a crash leaves at worst an orphan in tmp, never an incomplete file under
// its final name. Open removes temp files older than an hour. Putting the same content
// twice is a no-op that returns the same hash.
//
// # Types
//
// The type is sniffed from the content, never taken from the declared file name, which is
// kept as metadata only. Accepted (anything else is ErrUnsupported):
//
//	photo     image/jpeg, image/png, image/webp, image/heic, image/heic-sequence,
//	          image/heif, image/avif
//	video     video/mp4 (ISO brands isom, mp41, mp42, avc1, M4V …), video/quicktime,
//	          video/3gpp, video/3gpp2, video/webm
//	audio     audio/mp4 (M4A), audio/mpeg (ID3 tag or a valid MPEG frame header),
//	          audio/aac (ADTS), audio/amr, audio/amr-wb, audio/wav, audio/flac,
//	          audio/ogg (Opus, Vorbis or FLAC in Ogg; Theora is refused)
//	document  application/pdf, DOCX, XLSX and OFD (zip archives whose directory names
//	          word/document.xml, xl/workbook.xml or OFD.xml; macro-enabled archives,
//	          which hold a vbaProject.bin, are refused, as are other zips and the
//	          old binary .doc/.xls)
//
// Each kind has its own size limit (Limits; defaults 20 MiB photos, 500 MiB video, 50 MiB
// audio, 20 MiB documents). The type decides the limit, so a large upload is refused as
// soon as it passes the limit of its kind, and nothing is left behind.
//
// Sniffing proves what a file starts with, not that it is harmless: whoever serves a blob
// must send the MIME type recorded here with "X-Content-Type-Options: nosniff".
//
// # Metadata
//
// For JPEG, Put reads EXIF DateTimeOriginal (with OffsetTimeOriginal when present, else as
// China Standard Time, UTC+8, which has had no daylight saving since 1991) and GPS
// latitude/longitude with their N/S/E/W references. GPS coordinates are kept as written,
// which for EXIF means WGS-84. The EXIF reader is this package's own (exif.go): it reads
// three IFDs and nothing else, checks every offset, and never follows an IFD chain, so a
// hostile file costs at most one 64 KiB segment and cannot make it loop or panic. Bad or
// absent EXIF is not an error: the photo is still evidence, without a capture time.
//
// This package touches only its own directory and imports only the standard library. It
// knows nothing of cases, users or the database: callers keep the returned Blob (and put
// its hash in the ledger); Describe re-derives everything but the name from the content.
package evidence
