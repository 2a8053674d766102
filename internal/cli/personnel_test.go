package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chengguan/internal/identity"
	"chengguan/internal/personnel"
	"chengguan/internal/personnel/sheet"
	"chengguan/internal/storage/storagetest"
)

func TestPersonnelImportWritesAllOrNothingAndDemoPersonnelLoadsOnce(t *testing.T) {
	dsn := storagetest.SQLiteDSN(t)
	first := mustRun(t, "", "demo", "--db", dsn)
	if !strings.Contains(first, "demo personnel loaded: 55 people") {
		t.Fatalf("first demo run: %q", first)
	}
	if second := mustRun(t, "", "demo", "--db", dsn); strings.Contains(second, "personnel") {
		t.Fatalf("second demo run loaded personnel again: %q", second)
	}
	header := equipmentHeader()
	write := func(name string, rows [][]string) string {
		b, err := sheet.Write("装备", header, rows)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.xlsx", [][]string{{"对讲机", "CLI-1", "", "419901-ZD01", ""}, {"对讲机", "CLI-2", "", "nowhere", ""}})
	code, out, errOut := run(t, nil, "", "personnel", "import", "--db", dsn, "--kind", "equipment", "--file", bad)
	if code != 1 || !strings.Contains(out, "nothing imported") || !strings.Contains(errOut, "rows[3].单位编码") {
		t.Fatalf("bad file: exit %d\n%s\n%s", code, out, errOut)
	}
	good := write("good.xlsx", [][]string{{"对讲机", "CLI-1", "", "419901-ZD01", ""}})
	if out := mustRun(t, "", "personnel", "import", "--db", dsn, "--kind", "equipment", "--file", good); !strings.Contains(out, "1 equipment row(s) imported") {
		t.Fatalf("good file: %q", out)
	}
	a := openApp(t, dsn)
	items, err := a.personnel.EquipmentBoard(context.Background(), identity.System(), personnel.EquipRadio)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range items {
		if strings.HasPrefix(l.Equipment.Serial, "CLI-") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d CLI items stored, want 1 (the refused file wrote nothing)", n)
	}
}

func equipmentHeader() []string {
	h, _ := personnel.ImportHeader(personnel.ImportEquipment)
	return h
}
