package taxonomy_test

import (
	"context"
	"strconv"
	"testing"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/urban/taxonomy"
)

// memStore is an in-memory Store for the benchmark: the lookups it measures
// never reach the store once the catalogue is cached.
type memStore struct{ cats []taxonomy.Category }

func (m *memStore) Categories(context.Context) ([]taxonomy.Category, error) {
	return append([]taxonomy.Category(nil), m.cats...), nil
}
func (m *memStore) SaveCategories(_ context.Context, chs []taxonomy.Change) error {
	for _, ch := range chs {
		m.cats = append(m.cats, ch.Category)
	}
	return nil
}
func (m *memStore) CategoryRevisions(context.Context, string) ([]taxonomy.Revision, error) {
	return nil, nil
}

// demoUnits answers every department code of the demo CSV.
type demoUnits struct{}

func (demoUnits) UnitByID(_ context.Context, id string) (*identity.Unit, error) {
	return &identity.Unit{ID: id, Code: id, Kind: identity.KindDepartment, Path: "/c/" + id + "/"}, nil
}
func (demoUnits) UnitByCode(ctx context.Context, code string) (*identity.Unit, error) {
	return demoUnits{}.UnitByID(ctx, code)
}

func benchService(b *testing.B) *taxonomy.Service {
	b.Helper()
	n := 0
	svc := taxonomy.NewService(&memStore{}, demoUnits{}, nil, func() string { n++; return "id-" + strconv.Itoa(n) }, nil)
	if _, err := svc.Import(context.Background(), identity.System(), taxonomy.DemoCSV()); err != nil {
		b.Fatal(err)
	}
	return svc
}

// BenchmarkByCode measures the hot lookup of the case workflow: a
// category by kind and code from the cached catalogue.
func BenchmarkByCode(b *testing.B) {
	svc := benchService(b)
	ctx := context.Background()
	codes := []string{"0101", "0102", "0104", "0302", "0404", "0602"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := svc.ByCode(ctx, taxonomy.Event, codes[i%len(codes)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkByCodeParallel is ByCode from every core at once.
func BenchmarkByCodeParallel(b *testing.B) {
	svc := benchService(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.ByCode(ctx, taxonomy.Component, "0101"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestLookupsAreAnsweredFromTheCachedCatalogue(t *testing.T) {
	store := &memStore{}
	svc := taxonomy.NewService(store, demoUnits{}, nil, func() string { return "x" }, nil)
	_, err := svc.ByCode(context.Background(), taxonomy.Event, "0101")
	if !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("empty catalogue: %v, want not found", err)
	}
	// A write behind the service's back is not seen until the cache expires.
	store.cats = append(store.cats, taxonomy.Category{ID: "x", Kind: taxonomy.Event, Code: "0101"})
	if _, err := svc.ByCode(context.Background(), taxonomy.Event, "0101"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("cached empty catalogue: %v, want not found", err)
	}
}
