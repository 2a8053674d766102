package urban_test

import (
	"testing"
	"time"

	"chengguan/internal/urban"
)

func TestACitySetsItsLoopAndNonsenseIsRefused(t *testing.T) {
	cfg, err := urban.ParseConfig("dispatch, close", 15, "40,70,90", 80, 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.NeedsApproval(urban.MoveDispatch) || !cfg.NeedsApproval(urban.MoveClose) || cfg.NeedsApproval(urban.MoveVoid) ||
		!cfg.NeedsApproval(urban.MoveExtend) {
		t.Fatalf("approvals: %+v", cfg.Approval)
	}
	if cfg.ReopenWithin != 15*24*time.Hour || len(cfg.WarnAt) != 3 || cfg.WarnAt[0] != 0.4 || cfg.DuplicateRadius != 80 {
		t.Fatalf("config: %+v", cfg)
	}
	for _, bad := range []struct {
		approval, warn string
		days           int
	}{{"handle", "50", 30}, {"void", "80,50", 30}, {"void", "0", 30}, {"void", "50", -1}, {"void", "x", 30}} {
		if _, err := urban.ParseConfig(bad.approval, bad.days, bad.warn, 50, time.Hour); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
}
