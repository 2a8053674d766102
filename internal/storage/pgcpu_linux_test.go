package storage_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"chengguan/internal/storage"
)

// serverCPU is the CPU time, user and system, that the PostgreSQL backends of
// the connections named app have used so far, read from /proc: on a machine
// where the server shares the cores, it is the other half of what a
// benchmark costs. ok is false when the server's processes cannot be read
// (another machine, another operating system).
func serverCPU(ctx context.Context, db *storage.DB, app string) (d time.Duration, ok bool) {
	rows, err := db.Reader().QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
	if err != nil {
		return 0, false
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return 0, false
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return 0, false
		}
		// The command may hold spaces; the fields after it are fixed.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if !strings.Contains(s, "(postgres)") || len(f) < 13 {
			return 0, false
		}
		utime, err1 := strconv.ParseInt(f[11], 10, 64)
		stime, err2 := strconv.ParseInt(f[12], 10, 64)
		if err1 != nil || err2 != nil {
			return 0, false
		}
		d += time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
	}
	return d, rows.Err() == nil
}
