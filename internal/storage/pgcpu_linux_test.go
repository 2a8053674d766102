package storage_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"chengguan/internal/loadgen"
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
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if err != nil || strings.TrimSpace(string(b)) != "postgres" {
			return 0, false
		}
		cpu, ok := loadgen.ProcessCPU(pid)
		if !ok {
			return 0, false
		}
		d += cpu
	}
	return d, rows.Err() == nil
}
