//go:build !linux

package storage_test

import (
	"context"
	"time"

	"chengguan/internal/storage"
)

// serverCPU is not measured here.
func serverCPU(context.Context, *storage.DB, string) (time.Duration, bool) { return 0, false }
