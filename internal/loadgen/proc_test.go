package loadgen

import (
	"os"
	"runtime"
	"testing"
)

func TestProcessCPUReadsThisProcessAndRefusesAMissingOne(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	if d, ok := ProcessCPU(os.Getpid()); !ok || d < 0 {
		t.Fatalf("ProcessCPU(self) = %v, %v", d, ok)
	}
	if _, ok := ProcessCPU(1 << 30); ok {
		t.Fatal("ProcessCPU of a pid that cannot exist reported ok")
	}
}
