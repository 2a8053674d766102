package grid

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"chengguan/internal/apperr"
	"chengguan/internal/grid/coord"
	"chengguan/internal/identity"
	"chengguan/internal/ledger"
)

// Version is one imported grid. Versions are immutable: an import adds one,
// and the one with the highest ID is in force. A case keeps the ID of the
// version it was routed with.
type Version struct {
	ID         int64 // 1, 2, 3… in import order
	CreatedAt  time.Time
	CreatedBy  string // account ID, or "system"
	Name       string // where the cells came from, e.g. the file name
	Cells      int
	Digest     string // Digest of the cells
	CodeLength int    // 14 or 15
}

// Store keeps grid versions and their cells. It holds no rules.
type Store interface {
	// LatestGridVersion returns the version with the highest ID, or a
	// NotFound error when no grid has been imported.
	LatestGridVersion(ctx context.Context) (Version, error)
	// GridCells returns the cells of a version in code order.
	GridCells(ctx context.Context, versionID int64) ([]Cell, error)
	// CreateGridVersion stores v with its cells and appends rec to the
	// ledger, in one transaction. A version with v.ID already stored is a
	// Conflict: two imports raced for the same number.
	CreateGridVersion(ctx context.Context, v Version, cells []Cell, rec ledger.Record) error
}

// Service keeps an installation's unit grids: it imports versions through a
// Store and answers lookups from an in-memory Index of the version in force.
// Unlike the rest of this package it has state — a Store, a clock and a
// cached Index — all of it handed in or held per Service.
type Service struct {
	store Store
	now   func() time.Time
	newID func() string
	// cur is the index of the version in force. An import on this node is
	// seen at once; one on another node within a minute.
	cur inForce[Version, *Index]
}

// NewService returns the grid service over store. newID makes ledger record
// IDs (ids.New in production); now is the clock (time.Now if nil).
func NewService(store Store, newID func() string, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{store: store, now: now, newID: newID}
	s.cur.ttl, s.cur.id = versionTTL, func(v Version) int64 { return v.ID }
	return s
}

// versionTTL bounds how long an import on another node can go unseen.
const versionTTL = time.Minute

// ActImport is the action a grid import is recorded under in the ledger.
const ActImport = "grid.import"

// importAction is the permission an import needs: administering the unit
// tree from its root. identity has no grid action of its own yet; the grid
// is the same for every unit, as the statutory calendar is, so it takes the
// right to edit units at the root (an administrator of the whole tree).
const importAction = identity.ActUnitUpdate

// MayImport says whether actor may import unit grids and responsibility areas: nil, or the
// Forbidden error Import would answer. The import pages ask it before showing their forms.
func MayImport(actor *identity.Actor) error {
	return identity.Decide(actor, importAction, identity.Resource{}).Err()
}

// Import reads a GeoJSON FeatureCollection of unit grid cells (see Import)
// and, when it has no problem at all, stores it as the new version in force
// together with its ledger record. Any problem refuses the whole file with an
// Invalid error: the Result lists every problem for the report. Only an
// administrator of the whole tree may import.
func (s *Service) Import(ctx context.Context, actor *identity.Actor, name string, data []byte, opts Options) (Version, Result, error) {
	if err := MayImport(actor); err != nil {
		return Version{}, Result{}, err
	}
	if opts.CodeLength == 0 {
		opts.CodeLength = 15
	}
	if opts.CodeLength != 14 && opts.CodeLength != 15 {
		return Version{}, Result{}, apperr.InvalidFields(apperr.Field("code_length", "grid.code_length"))
	}
	res, err := Import(data, opts)
	if err != nil {
		return Version{}, Result{}, apperr.Wrap(apperr.Invalid, "grid.unreadable", err).With(map[string]any{"Problem": err.Error()})
	}
	if err := res.Err(); err != nil {
		return Version{}, res, problemsError("grid.import_invalid", res.Problems, err)
	}
	if len(res.Cells) == 0 {
		return Version{}, res, apperr.New(apperr.Invalid, "grid.empty")
	}
	ix, err := NewIndex(res.Cells)
	if err != nil {
		return Version{}, res, apperr.Internalf("index of a clean import: %w", err)
	}
	// The next number is read before the transaction; the store's unique
	// ID turns a concurrent import into a Conflict rather than a fork.
	var before string
	next := int64(1)
	latest, err := s.store.LatestGridVersion(ctx)
	switch {
	case err == nil:
		next, before = latest.ID+1, latest.Digest
	case !apperr.Is(err, apperr.NotFound):
		return Version{}, res, err
	}
	at := s.now().UTC().Truncate(time.Millisecond)
	v := Version{ID: next, CreatedAt: at, CreatedBy: identity.LedgerActor(actor), Name: name, Cells: len(res.Cells),
		Digest: ix.digest(), CodeLength: opts.CodeLength}
	rec := identity.NewRecord(s.newID(), at, actor, importAction, identity.Resource{},
		ledger.Subject{Kind: "grid_version", ID: strconv.FormatInt(v.ID, 10)}, before, v.Digest)
	rec.Action = ActImport // recorded as what it did, though allowed as importAction
	if err := s.store.CreateGridVersion(ctx, v, res.Cells, rec); err != nil {
		return Version{}, res, err
	}
	s.cur.put(v, ix, s.now())
	return v, res, nil
}

// Current returns the index of the version in force and that version. It is
// built once and kept until a newer version is imported: at once on this
// node, within a minute of an import on another. With no grid imported yet
// it answers NotFound.
func (s *Service) Current(ctx context.Context) (*Index, Version, error) {
	return s.cur.get(ctx, s.now(), func(ctx context.Context) (Version, error) {
		v, err := s.store.LatestGridVersion(ctx)
		if apperr.Is(err, apperr.NotFound) {
			return v, apperr.Wrap(apperr.NotFound, "grid.none", fmt.Errorf("%w: %w", errNoVersion, err))
		}
		return v, err
	}, func(ctx context.Context, v Version) (*Index, error) {
		cells, err := s.store.GridCells(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		ix, err := NewIndex(cells)
		if err != nil {
			return nil, apperr.Internalf("grid version %d: %w: %w", v.ID, errBadVersion, err)
		}
		// The stored cells must be the ones the ledger recorded.
		if d := ix.digest(); d != v.Digest {
			return nil, apperr.Internalf("grid version %d: %w: stored cells have digest %s, recorded %s", v.ID, errBadVersion, d, v.Digest)
		}
		return ix, nil
	})
}

// Lookup returns the unit grid cell of the version in force that contains
// the point (lon, lat) given in sys, and that version. A point that is not a
// coordinate is Invalid, naming the field; a point outside every cell is
// NotFound with the reason.
func (s *Service) Lookup(ctx context.Context, lon, lat float64, sys coord.System) (Cell, Version, error) {
	var bad []apperr.FieldError
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		bad = append(bad, apperr.Field("lat", "grid.lat"))
	}
	if math.IsNaN(lon) || lon < -180 || lon > 180 {
		bad = append(bad, apperr.Field("lon", "grid.lon"))
	}
	if len(bad) > 0 {
		return Cell{}, Version{}, apperr.InvalidFields(bad...)
	}
	ix, v, err := s.Current(ctx)
	if err != nil {
		return Cell{}, Version{}, err
	}
	c, err := ix.LookupIn(orb.Point{lon, lat}, sys)
	switch {
	case errors.Is(err, ErrOutside):
		return Cell{}, v, apperr.Wrap(apperr.NotFound, "grid.outside", err).With(map[string]any{"Version": v.ID})
	case err != nil:
		// In range but not convertible: the coordinate as a whole is wrong.
		e := apperr.InvalidFields(apperr.Field("lat", "grid.lat"), apperr.Field("lon", "grid.lon"))
		e.Err = err
		return Cell{}, v, e
	}
	return c, v, nil
}

// MaxProblemFields bounds the per-feature fields of an import's Invalid error; its Count
// argument still counts every problem, and the Result lists them all.
const MaxProblemFields = 500

// problemsError is the Invalid error of an import refused for its problems, the same for
// every kind of import: the message key with the problem count (Count), and one field per
// problem (up to MaxProblemFields) named features[N].<reason> — gaps[K].gap for a gap, which
// belongs to no feature — whose message, grid.problem.<reason>, gets the feature's code
// (Code), the other code involved (Other) and the English detail (Detail).
func problemsError(key string, ps []Problem, cause error) *apperr.Error {
	e := apperr.Wrap(apperr.Invalid, key, cause).With(map[string]any{"Count": len(ps)})
	gaps := 0
	for _, p := range ps {
		if len(e.Fields) == MaxProblemFields {
			break
		}
		field := fmt.Sprintf("features[%d].%s", p.Feature, p.Reason)
		if p.Feature < 0 {
			field = fmt.Sprintf("gaps[%d].%s", gaps, p.Reason)
			gaps++
		}
		e.Fields = append(e.Fields, apperr.FieldError{Field: field, Key: "grid.problem." + string(p.Reason),
			Args: map[string]any{"Code": p.Code, "Other": p.Other, "Detail": p.Message}})
	}
	return e
}

// digest is Digest of the index's cells.
func (ix *Index) digest() string { return Digest(ix.cells) }
