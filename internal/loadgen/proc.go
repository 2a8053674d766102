package loadgen

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// ProcessCPU is the CPU time, user and system, that process pid has used so
// far, read from /proc. On a machine where the load generator and the server
// share the cores, the server's CPU time per request is the figure that
// contention changes least. ok is false where /proc cannot be read (another
// operating system, a process gone).
func ProcessCPU(pid int) (d time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command may hold spaces and parentheses; the fields after its last
	// parenthesis are fixed: utime and stime are the 12th and 13th.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, true // USER_HZ is 100 on Linux
}
