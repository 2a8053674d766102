package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chengguan/internal/identity"
	"chengguan/internal/personnel"
	"chengguan/internal/personnel/sheet"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// Benchmarks of issue 5 (docs/performance.md, "Personnel"): a roster of
// 20,000 people listed and filtered, each compliance board, and an Excel
// import of 20,000 rows. They run on SQLite, and on PostgreSQL when
// CHENGGUAN_TEST_POSTGRES is set.

const benchPeople = 20_000

// rosterRows are n import rows spread over the two districts' streets,
// people offset…offset+n; bad of them (evenly spread) have a wrong check
// character.
func rosterRows(tr tree, n, bad, offset int) ([]int, [][]string) {
	units := []string{tr.streetA.Code, tr.distA.Code, tr.distB.Code}
	staff := []string{"行政", "参公", "事业", "协管", "劳务派遣"}
	lines := make([]int, n)
	rows := make([][]string, n)
	base := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		k := i + offset
		s17 := fmt.Sprintf("410402%s%03d", base.AddDate(0, 0, k/500).Format("20060102"), k%500)
		check := benchCheck(s17)
		if bad > 0 && i%(n/bad) == 0 {
			check = "10X98765432"[(strings.IndexByte("10X98765432", check)+1)%11]
		}
		lines[i] = i + 2
		rows[i] = []string{fmt.Sprintf("人员%06d", k), s17 + string(check), "", staff[k%5], "", "", "", units[k%3], "", "2020-01-01"}
	}
	return lines, rows
}

// seedRoster imports benchPeople people, a certificate for each officer
// (a tenth expiring), an initial training for each, and district populations.
func seedRoster(b *testing.B, db *storage.DB) personnelFixture {
	b.Helper()
	ctx := context.Background()
	f := newPersonnelFixture(b, db)
	lines, rows := rosterRows(f.tr, benchPeople, 0, 0)
	if _, err := f.svc.Import(ctx, f.admin, personnel.ImportRoster, lines, rows); err != nil {
		b.Fatalf("seed roster: %v", err)
	}
	var certRows [][]string
	var certLines []int
	for i, r := range rows {
		if r[3] == "协管" || r[3] == "劳务派遣" {
			continue
		}
		to := "2030-01-01"
		if i%10 == 0 {
			to = "2026-06-20" // expiring within 60 days of the fixture's today
		}
		certRows = append(certRows, []string{r[1], fmt.Sprintf("N%06d", i), "示范市人民政府", "城市管理", "2025-01-01", to, "有效"})
		certLines = append(certLines, len(certLines)+2)
	}
	if _, err := f.svc.Import(ctx, f.admin, personnel.ImportCertificates, certLines, certRows); err != nil {
		b.Fatalf("seed certificates: %v", err)
	}
	for _, u := range []identity.Unit{f.tr.distA, f.tr.distB} {
		if _, err := f.svc.SavePopulation(ctx, f.admin, personnel.Population{UnitID: u.ID, Year: 2026, Resident: 1_000_000, Temporary: 200_000}); err != nil {
			b.Fatal(err)
		}
	}
	return f
}

// p95 runs fn n times and reports the 95th percentile and the median in ms.
func p95(b *testing.B, n int, fn func()) {
	d := make([]time.Duration, 0, n)
	for range n {
		t := time.Now()
		fn()
		d = append(d, time.Since(t))
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
}

func BenchmarkPersonnelRoster20000(b *testing.B) {
	eachBench(b, func(b *testing.B, db *storage.DB) {
		{
			f := seedRoster(b, db)
			ctx := context.Background()
			filters := []personnel.Filter{
				{Limit: 50},
				{Limit: 50, Offset: 10_000},
				{Limit: 50, StaffType: personnel.StaffAuxiliary},
				{Limit: 50, CertState: personnel.StateExpiring},
				{Limit: 50, CertState: personnel.StateNone, UnitPath: f.tr.distB.Path},
				{Limit: 50, Status: personnel.StatusOnDuty},
				{Limit: 50, Text: "人员1999"},
			}
			for _, actor := range []*identity.Actor{f.admin, f.lead} {
				for i, flt := range filters {
					b.Run(fmt.Sprintf("%s-filter%d", actor.Assignments[0].Role, i), func(b *testing.B) {
						for b.Loop() {
							p95(b, 20, func() {
								if _, err := f.svc.Roster(ctx, actor, flt); err != nil {
									b.Fatal(err)
								}
							})
						}
					})
				}
			}
		}
	})
}

func BenchmarkPersonnelBoards20000(b *testing.B) {
	eachBench(b, func(b *testing.B, db *storage.DB) {
		{
			f := seedRoster(b, db)
			ctx := context.Background()
			boards := map[string]func() error{
				"certificates": func() error { _, err := f.svc.CertificateBoard(ctx, f.admin); return err },
				"training":     func() error { _, err := f.svc.TrainingBoard(ctx, f.admin, false); return err },
				"equipment":    func() error { _, err := f.svc.EquipmentBoard(ctx, f.admin, ""); return err },
				"staffing":     func() error { _, err := f.svc.Staffing(ctx, f.admin); return err },
			}
			for _, name := range []string{"certificates", "training", "equipment", "staffing"} {
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						p95(b, 5, func() {
							if err := boards[name](); err != nil {
								b.Fatal(err)
							}
						})
					}
				})
			}
		}
	})
}

// BenchmarkPersonnelImport20000 imports an xlsx of 20,000 roster rows: once
// with 200 bad rows (every row checked, the report built, nothing written)
// and once clean (all written with a ledger record each).
func BenchmarkPersonnelImport20000(b *testing.B) {
	eachBench(b, func(b *testing.B, db *storage.DB) {
		{
			f := newPersonnelFixture(b, db)
			ctx := context.Background()
			header, _ := personnel.ImportHeader(personnel.ImportRoster)
			file := func(bad, offset int) []byte {
				_, rows := rosterRows(f.tr, benchPeople, bad, offset)
				x, err := sheet.Write("人员名册", header, rows)
				if err != nil {
					b.Fatal(err)
				}
				return x
			}
			withErrors := file(200, 0)
			b.Run("with-200-bad-rows", func(b *testing.B) {
				for b.Loop() {
					res, err := sheet.Import(ctx, f.svc, f.admin, personnel.ImportRoster, withErrors)
					if err == nil || len(res.Errors) != 200 {
						b.Fatalf("import: %d errors, %v", len(res.Errors), err)
					}
				}
			})
			round := 0
			b.Run("clean", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					round++
					clean := file(0, round*benchPeople)
					b.StartTimer()
					res, err := sheet.Import(ctx, f.svc, f.admin, personnel.ImportRoster, clean)
					if err != nil || res.Written != benchPeople {
						b.Fatalf("import: %+v %v", res.Written, err)
					}
				}
			})
		}
	})
}

// eachBench runs a benchmark on a fresh SQLite and, when configured, PostgreSQL.
func eachBench(b *testing.B, fn func(b *testing.B, db *storage.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storagetest.OpenSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storagetest.OpenPostgres(b)) })
}

// benchCheck is the GB 11643 check character of 17 digits.
func benchCheck(s17 string) byte {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for j := 0; j < 17; j++ {
		sum += int(s17[j]-'0') * w[j]
	}
	return "10X98765432"[sum%11]
}
