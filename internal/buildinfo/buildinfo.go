// Package buildinfo carries the version stamped in at build time.
package buildinfo

// Version is set by the linker: -X chengguan/internal/buildinfo.Version=….
// It is a var only because the linker can set nothing else; never assign it.
var Version = "dev"
