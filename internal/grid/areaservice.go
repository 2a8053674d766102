package grid

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/ledger"
)

// AreaVersion is one imported set of responsibility areas. Like grid versions, area versions
// are immutable: an import adds one, and the one with the highest ID is in force.
type AreaVersion struct {
	ID        int64 // 1, 2, 3… in import order
	CreatedAt time.Time
	CreatedBy string // account ID, or "system"
	Name      string // where the areas came from, e.g. the file name
	Areas     int
	Digest    string // AreaDigest of the areas
}

// AreaStore keeps area versions and their areas. It holds no rules.
type AreaStore interface {
	// LatestAreaVersion returns the version with the highest ID, or a
	// NotFound error when no areas have been imported.
	LatestAreaVersion(ctx context.Context) (AreaVersion, error)
	// GridAreas returns the areas of a version in code order.
	GridAreas(ctx context.Context, versionID int64) ([]Area, error)
	// CreateAreaVersion stores v with its areas and appends rec to the
	// ledger, in one transaction. A version with v.ID already stored is a
	// Conflict: two imports raced for the same number.
	CreateAreaVersion(ctx context.Context, v AreaVersion, areas []Area, rec ledger.Record) error
}

// Units finds organisation units by code and by ID: storage.IdentityStore.
type Units interface {
	UnitByCode(ctx context.Context, code string) (*identity.Unit, error)
	UnitByID(ctx context.Context, id string) (*identity.Unit, error)
}

// AreaService keeps an installation's responsibility areas (责任区) as Service keeps its unit
// grids: an import adds a version through an AreaStore, and lookups are answered from an
// in-memory AreaIndex of the version in force.
type AreaService struct {
	store AreaStore
	units Units
	now   func() time.Time
	newID func() string
	cur   inForce[AreaVersion, *AreaIndex]
}

// NewAreaService returns the area service over store; units checks the unit codes of an
// import. newID makes ledger record IDs (ids.New in production); now is the clock (time.Now
// if nil).
func NewAreaService(store AreaStore, units Units, newID func() string, now func() time.Time) *AreaService {
	if now == nil {
		now = time.Now
	}
	s := &AreaService{store: store, units: units, now: now, newID: newID}
	s.cur.ttl, s.cur.id = versionTTL, func(v AreaVersion) int64 { return v.ID }
	return s
}

// ActImportAreas is the action an import of responsibility areas is recorded under in the
// ledger.
const ActImportAreas = "grid.areas_import"

// Import reads a GeoJSON FeatureCollection of responsibility areas (see ImportAreas), checks
// that every unit_code names an enabled unit, and, when there is no problem at all, stores the
// areas as the new version in force with its ledger record. Any problem refuses the whole file
// with an Invalid error carrying one field per problem (as a grid import's); the Result lists
// every problem. Only an administrator of the whole tree may import, as for grids.
func (s *AreaService) Import(ctx context.Context, actor *identity.Actor, name string, data []byte) (AreaVersion, AreaResult, error) {
	if err := MayImport(actor); err != nil {
		return AreaVersion{}, AreaResult{}, err
	}
	res, err := ImportAreas(data)
	if err != nil {
		return AreaVersion{}, AreaResult{}, apperr.Wrap(apperr.Invalid, "grid.areas_unreadable", err).With(map[string]any{"Problem": err.Error()})
	}
	refused, unitIDs := map[string]error{}, map[string]string{}
	for _, code := range res.UnitCodes() {
		u, err := s.units.UnitByCode(ctx, code)
		switch {
		case apperr.Is(err, apperr.NotFound):
			refused[code] = fmt.Errorf("unit_code %s names no organisation unit", code)
		case err != nil:
			return AreaVersion{}, res, err
		case u.Disabled:
			refused[code] = fmt.Errorf("unit %s (%s) is disabled", code, u.Name)
		default:
			unitIDs[code] = u.ID
		}
	}
	res.CheckUnits(func(code string) error { return refused[code] })
	// The areas keep their unit by ID: a unit recoded later still owns them.
	for i := range res.Areas {
		res.Areas[i].UnitID = unitIDs[res.Areas[i].UnitCode]
	}
	if err := res.Err(); err != nil {
		return AreaVersion{}, res, problemsError("grid.areas_invalid", res.Problems, err)
	}
	if len(res.Areas) == 0 {
		return AreaVersion{}, res, apperr.New(apperr.Invalid, "grid.areas_empty")
	}
	ix, err := NewAreaIndex(res.Areas)
	if err != nil {
		return AreaVersion{}, res, apperr.Internalf("index of a clean area import: %w", err)
	}
	var before string
	next := int64(1)
	latest, err := s.store.LatestAreaVersion(ctx)
	switch {
	case err == nil:
		next, before = latest.ID+1, latest.Digest
	case !apperr.Is(err, apperr.NotFound):
		return AreaVersion{}, res, err
	}
	at := s.now().UTC().Truncate(time.Millisecond)
	v := AreaVersion{ID: next, CreatedAt: at, CreatedBy: identity.LedgerActor(actor), Name: name, Areas: len(res.Areas),
		Digest: ix.digest()}
	rec := identity.NewRecord(s.newID(), at, actor, importAction, identity.Resource{},
		ledger.Subject{Kind: "area_version", ID: strconv.FormatInt(v.ID, 10)}, before, v.Digest)
	rec.Action = ActImportAreas
	if err := s.store.CreateAreaVersion(ctx, v, res.Areas, rec); err != nil {
		return AreaVersion{}, res, err
	}
	s.cur.put(v, ix, s.now())
	return v, res, nil
}

// Current returns the index of the area version in force and that version, built once and
// kept as Service.Current keeps the grid. With no areas imported yet it answers NotFound
// (grid.areas_none).
func (s *AreaService) Current(ctx context.Context) (*AreaIndex, AreaVersion, error) {
	return s.cur.get(ctx, s.now(), func(ctx context.Context) (AreaVersion, error) {
		v, err := s.store.LatestAreaVersion(ctx)
		if apperr.Is(err, apperr.NotFound) {
			return v, apperr.Wrap(apperr.NotFound, "grid.areas_none", fmt.Errorf("%w: %w", errNoVersion, err))
		}
		return v, err
	}, func(ctx context.Context, v AreaVersion) (*AreaIndex, error) {
		areas, err := s.store.GridAreas(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		ix, err := NewAreaIndex(areas)
		if err != nil {
			return nil, apperr.Internalf("area version %d: %w: %w", v.ID, errBadVersion, err)
		}
		if d := ix.digest(); d != v.Digest {
			return nil, apperr.Internalf("area version %d: %w: stored areas have digest %s, recorded %s", v.ID, errBadVersion, d, v.Digest)
		}
		return ix, nil
	})
}

// Containing returns the areas of the version in force that contain the WGS-84 point (lon,
// lat), most specific first (AreaIndex.Containing), and that version. With no areas imported
// it returns none and no error: a city without responsibility areas routes by category alone.
func (s *AreaService) Containing(ctx context.Context, lon, lat float64) ([]Area, AreaVersion, error) {
	ix, v, err := s.Current(ctx)
	if errors.Is(err, errNoVersion) {
		return nil, AreaVersion{}, nil
	}
	if err != nil {
		return nil, AreaVersion{}, err
	}
	return ix.Containing(orb.Point{lon, lat}), v, nil
}

// UnitsOf returns the units the areas name, by ID, as they stand now; an area whose unit
// does not exist (any more) has none in the map. With AreaUnitWarning it is what a listing
// reports, so that an area whose unit cannot take cases is never ignored silently.
func (s *AreaService) UnitsOf(ctx context.Context, areas []Area) (map[string]*identity.Unit, error) {
	units := map[string]*identity.Unit{}
	looked := map[string]bool{}
	for _, a := range areas {
		if a.UnitID == "" || looked[a.UnitID] {
			continue
		}
		looked[a.UnitID] = true
		u, err := s.units.UnitByID(ctx, a.UnitID)
		switch {
		case err == nil:
			units[a.UnitID] = u
		case !apperr.Is(err, apperr.NotFound):
			return nil, err
		}
	}
	return units, nil
}
