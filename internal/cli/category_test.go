package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban/taxonomy"
)

func TestDemoLoadsTheCatalogueAndExportImportRoundTrips(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		out := mustRun(t, "", "demo", "--db", dsn)
		if !strings.Contains(out, "demo 部件/事件 catalogue imported: 49 categories") {
			t.Fatalf("demo: %q", out)
		}
		if out := mustRun(t, "", "demo", "--db", dsn); !strings.Contains(out, "already loaded") || !strings.Contains(out, "catalogue in place: 49 categories") {
			t.Fatalf("second demo: %q", out)
		}
		f := filepath.Join(t.TempDir(), "categories.csv")
		mustRun(t, "", "category", "export", "--db", dsn, "--out", f)
		out = mustRun(t, "", "category", "import", "--db", dsn, "--file", f)
		if !strings.Contains(out, "49 rows: 0 created, 0 updated, 49 unchanged") {
			t.Fatalf("re-import of the export: %q", out)
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bad := writeFile(t, "bad.csv", []byte(strings.Replace(string(data), "419900-GS", "419900-XX", 1)))
		code, out, _ := run(t, nil, "", "category", "import", "--db", dsn, "--file", bad)
		if code != 1 || !strings.Contains(out, "nothing imported") || !strings.Contains(out, "line 2") || !strings.Contains(out, "No unit 419900-XX") {
			t.Fatalf("bad import: exit %d\n%s", code, out)
		}
		c, err := openApp(t, dsn).taxonomy.ByCode(context.Background(), taxonomy.Component, "0101")
		if err != nil || c.DepartmentCode != "419900-GS" {
			t.Fatalf("after the refused import: %+v %v", c, err)
		}
	})
}
