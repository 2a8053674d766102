package evidence

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// sniffLen is how much of the start of a file sniff looks at: http.DetectContentType reads
// 512 bytes; the ftyp brand list and the first Ogg page can run longer.
const sniffLen = 4096

// mimeZip marks a zip archive whose directory decides the type once the whole file is on
// disk (see zipType); it is never a blob's MIME.
const mimeZip = "application/zip"

// Office Open XML and OFD (GB/T 33190, the Chinese electronic document format).
const (
	mimeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mimeOFD  = "application/ofd"
)

// sniff names the type of a file from its first bytes, or answers ErrUnsupported.
func sniff(head []byte) (string, Kind, error) {
	if m, k, ok := sniffFtyp(head); ok {
		return m, k, nil
	}
	switch m := http.DetectContentType(head); m {
	case "image/jpeg", "image/png", "image/webp":
		return m, Photo, nil
	case "video/webm", "video/mp4": // video/mp4: an ftyp brand starting "mp4" not listed above
		return m, Video, nil
	case "audio/wave":
		return "audio/wav", Audio, nil
	case "audio/mpeg":
		return m, Audio, nil
	case "application/ogg":
		if oggAudio(head) {
			return "audio/ogg", Audio, nil
		}
	case "application/pdf":
		return m, Document, nil
	case mimeZip:
		return mimeZip, Document, nil
	}
	switch {
	case bytes.HasPrefix(head, []byte("#!AMR\n")):
		return "audio/amr", Audio, nil
	case bytes.HasPrefix(head, []byte("#!AMR-WB\n")):
		return "audio/amr-wb", Audio, nil
	case bytes.HasPrefix(head, []byte("fLaC")):
		return "audio/flac", Audio, nil
	case adtsHeader(head):
		return "audio/aac", Audio, nil
	case mpegFrameHeader(head):
		return "audio/mpeg", Audio, nil
	}
	return "", "", fmt.Errorf("%w: content is %s", ErrUnsupported, http.DetectContentType(head))
}

// sniffFtyp types ISO base media files (MP4, MOV, 3GP, M4A, HEIF, AVIF) by their ftyp box:
// the major brand first, then the compatible brands in order.
func sniffFtyp(head []byte) (string, Kind, bool) {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return "", "", false
	}
	end := int(min(uint32(len(head)), be32(head)))
	brands := []string{string(head[8:12])}
	for i := 16; i+4 <= end; i += 4 {
		brands = append(brands, string(head[i:i+4]))
	}
	for i, b := range brands {
		if b == "mif1" || b == "msf1" {
			// The generic HEIF brands: a compatible brand says which codec.
			for _, c := range brands[i+1:] {
				if m, k, ok := ftypBrand(c); ok && k == Photo {
					return m, k, true
				}
			}
			return "image/heif", Photo, true
		}
		if m, k, ok := ftypBrand(b); ok {
			return m, k, true
		}
	}
	return "", "", false
}

func ftypBrand(b string) (string, Kind, bool) {
	switch b {
	case "heic", "heix", "heim", "heis":
		return "image/heic", Photo, true
	case "hevc", "hevx", "hevm", "hevs":
		return "image/heic-sequence", Photo, true
	case "avif", "avis":
		return "image/avif", Photo, true
	case "qt  ":
		return "video/quicktime", Video, true
	case "M4A ", "M4B ":
		return "audio/mp4", Audio, true
	case "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash",
		"MSNV", "mmp4", "M4V ", "M4VH", "M4VP", "f4v ", "XAVC":
		return "video/mp4", Video, true
	}
	switch {
	case strings.HasPrefix(b, "3g2"):
		return "video/3gpp2", Video, true
	case strings.HasPrefix(b, "3gp"), strings.HasPrefix(b, "3ge"), strings.HasPrefix(b, "3gg"),
		strings.HasPrefix(b, "3gs"):
		return "video/3gpp", Video, true
	}
	return "", "", false
}

// oggAudio reports whether the first Ogg page starts an Opus, Vorbis or FLAC stream.
func oggAudio(head []byte) bool {
	if len(head) < 27 {
		return false
	}
	// The page header is 27 bytes and a segment table of head[26] bytes; the first packet
	// follows it.
	p := 27 + int(head[26])
	if p > len(head) {
		return false
	}
	pkt := head[p:]
	return bytes.HasPrefix(pkt, []byte("OpusHead")) || bytes.HasPrefix(pkt, []byte("\x01vorbis")) ||
		bytes.HasPrefix(pkt, []byte("\x7fFLAC"))
}

// adtsHeader reports an AAC ADTS frame header: sync word, layer 0, a defined sampling rate.
func adtsHeader(h []byte) bool {
	return len(h) >= 7 && h[0] == 0xFF && h[1]&0xF6 == 0xF0 && (h[2]>>2)&0x0F < 13
}

// mpegFrameHeader reports an MPEG audio frame header with no reserved or free-format field.
// (Files with an ID3 tag are caught earlier by http.DetectContentType.)
func mpegFrameHeader(h []byte) bool {
	if len(h) < 4 || h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return false
	}
	version, layer := (h[1]>>3)&3, (h[1]>>1)&3
	bitrate, rate := h[2]>>4, (h[2]>>2)&3
	return version != 1 && layer != 0 && bitrate != 0 && bitrate != 15 && rate != 3
}

// zipType decides what a zip archive is from its central directory (which it reads without
// inflating anything), or answers ErrUnsupported.
func zipType(r io.ReaderAt, size int64) (string, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return "", fmt.Errorf("%w: unreadable zip: %w", ErrUnsupported, err)
	}
	var contentTypes, word, sheet, ofd bool
	for _, f := range z.File {
		switch name := f.Name; {
		case name == "[Content_Types].xml":
			contentTypes = true
		case name == "word/document.xml":
			word = true
		case name == "xl/workbook.xml":
			sheet = true
		case name == "OFD.xml":
			ofd = true
		case strings.HasSuffix(strings.ToLower(name), "vbaproject.bin"):
			return "", fmt.Errorf("%w: office file with macros", ErrUnsupported)
		}
	}
	switch {
	case contentTypes && word:
		return mimeDOCX, nil
	case contentTypes && sheet:
		return mimeXLSX, nil
	case ofd:
		return mimeOFD, nil
	}
	return "", fmt.Errorf("%w: zip archive that is not DOCX, XLSX or OFD", ErrUnsupported)
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
