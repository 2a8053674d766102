package personnel

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
)

// SaveEquipment adds an item to the inventory (empty ID) or updates its
// particulars and condition. Serial numbers are unique per kind.
func (s *Service) SaveEquipment(ctx context.Context, actor *identity.Actor, e Equipment) (Equipment, error) {
	e.Serial, e.Model = strings.TrimSpace(e.Serial), strings.TrimSpace(e.Model)
	var bad []apperr.FieldError
	if !has(EquipmentKinds(), e.Kind) {
		bad = append(bad, apperr.Field("kind", "personnel.equipment_kind_invalid"))
	}
	bad = required(bad, e.Serial != "" && len(e.Serial) <= 64, "serial")
	if e.Condition == "" {
		e.Condition = CondGood
	}
	if !has(Conditions(), e.Condition) {
		bad = append(bad, apperr.Field("condition", "personnel.condition_invalid"))
	}
	if len(bad) > 0 {
		return Equipment{}, apperr.InvalidFields(bad...)
	}
	path, err := s.unit(ctx, e.UnitID)
	if err != nil {
		return Equipment{}, err
	}
	e.UnitPath = path
	if err := identity.Decide(actor, identity.ActPersonnelManage, identity.InUnit(path)).Err(); err != nil {
		return Equipment{}, err
	}
	prevV, prev, err := prevDoc[Equipment](ctx, s.store, KindEquipment, e.ID, e.Version)
	if err != nil {
		return Equipment{}, err
	}
	if prev == nil {
		e.ID = s.newID()
	} else if err := identity.Decide(actor, identity.ActPersonnelManage, identity.InUnit(prev.UnitPath)).Err(); err != nil {
		return Equipment{}, err
	}
	// The serial is the Ref, unique per kind in the store.
	d := Doc{Kind: KindEquipment, ID: e.ID, Owner: string(e.Kind), Ref: e.Serial, UnitPath: path, Tag: string(e.Condition)}
	err = s.saveDoc(ctx, actor, d, prevV, anyOrNil(prev), &e)
	if apperr.Is(err, apperr.Conflict) && prev == nil {
		return Equipment{}, apperr.InvalidFields(apperr.Field("serial", "personnel.serial_taken"))
	}
	return e, err
}

// Assign hands an item to a person at a moment: the item must be
// serviceable and not held by anyone then; a later hand-out ends the holding.
func (s *Service) Assign(ctx context.Context, actor *identity.Actor, equipmentID, personID string, at time.Time) (Assignment, error) {
	ed, err := s.store.Doc(ctx, KindEquipment, equipmentID)
	if err != nil {
		return Assignment{}, err
	}
	var e Equipment
	if err := json.Unmarshal(ed.Body, &e); err != nil {
		return Assignment{}, apperr.Internalf("equipment: %w", err)
	}
	row, err := s.managePerson(ctx, actor, personID)
	if err != nil {
		return Assignment{}, err
	}
	if err := identity.Decide(actor, identity.ActPersonnelManage, identity.InUnit(e.UnitPath)).Err(); err != nil {
		return Assignment{}, err
	}
	if e.Condition == CondBroken || e.Condition == CondLost || e.Condition == CondRetired {
		return Assignment{}, apperr.New(apperr.Conflict, "personnel.equipment_unserviceable")
	}
	if at.IsZero() {
		at = s.at()
	}
	at = at.UTC().Truncate(time.Millisecond)
	hist, err := s.assignments(ctx, equipmentID)
	if err != nil {
		return Assignment{}, err
	}
	for _, h := range hist {
		if h.HeldAt(at) || h.To.IsZero() || h.From.After(at) {
			return Assignment{}, apperr.New(apperr.Conflict, "personnel.equipment_held").With(map[string]any{"Serial": e.Serial})
		}
	}
	a := Assignment{ID: s.newID(), EquipmentID: equipmentID, PersonID: personID, From: at}
	d := Doc{Kind: KindAssignment, ID: a.ID, Owner: equipmentID, Ref: personID, UnitPath: row.Person.UnitPath,
		Tag: string(e.Kind), From: instant(a.From)}
	if err := s.saveDoc(ctx, actor, d, 0, nil, &a); err != nil {
		return a, err
	}
	return a, nil
}

// Return ends the current holding of an item at a moment.
func (s *Service) Return(ctx context.Context, actor *identity.Actor, equipmentID string, at time.Time) (Assignment, error) {
	hist, err := s.assignments(ctx, equipmentID)
	if err != nil {
		return Assignment{}, err
	}
	if at.IsZero() {
		at = s.at()
	}
	at = at.UTC().Truncate(time.Millisecond)
	for _, h := range hist {
		if !h.To.IsZero() {
			continue
		}
		if !at.After(h.From) {
			return Assignment{}, apperr.InvalidFields(apperr.Field("at", "personnel.return_before_assign"))
		}
		d, err := s.store.Doc(ctx, KindAssignment, h.ID)
		if err != nil {
			return Assignment{}, err
		}
		if err := identity.Decide(actor, identity.ActPersonnelManage, identity.InUnit(d.UnitPath)).Err(); err != nil {
			return Assignment{}, err
		}
		before := h
		h.To = at
		d.To = instant(at)
		if err := s.saveDoc(ctx, actor, d, d.Version, before, &h); err != nil {
			return h, err
		}
		return h, nil
	}
	return Assignment{}, apperr.New(apperr.Conflict, "personnel.equipment_not_held")
}

func (s *Service) assignments(ctx context.Context, equipmentID string) ([]Assignment, error) {
	return load[Assignment](ctx, s.store, KindAssignment, equipmentID)
}

// HolderAt answers who held an item at a moment: the person, or NotFound.
func (s *Service) HolderAt(ctx context.Context, actor *identity.Actor, equipmentID string, at time.Time) (Person, Assignment, error) {
	hist, err := s.assignments(ctx, equipmentID)
	if err != nil {
		return Person{}, Assignment{}, err
	}
	for _, h := range hist {
		if h.HeldAt(at) {
			row, err := s.viewPerson(ctx, actor, h.PersonID)
			if err != nil {
				return Person{}, Assignment{}, err
			}
			return Masked(row.Person), h, nil
		}
	}
	if _, err := s.store.Doc(ctx, KindEquipment, equipmentID); err != nil {
		return Person{}, Assignment{}, err
	}
	return Person{}, Assignment{}, apperr.New(apperr.NotFound, "personnel.not_held_then")
}

// HolderBySerial answers who held the item with a serial number (of any
// kind) at a moment: the item and the holder, NotFound when nobody did.
func (s *Service) HolderBySerial(ctx context.Context, actor *identity.Actor, serial string, at time.Time) (Equipment, Person, Assignment, error) {
	docs, err := s.store.DocsByRef(ctx, KindEquipment, strings.TrimSpace(serial))
	if err != nil {
		return Equipment{}, Person{}, Assignment{}, err
	}
	items, err := decodeDocs[Equipment](docs)
	if err != nil {
		return Equipment{}, Person{}, Assignment{}, err
	}
	var last error = apperr.New(apperr.NotFound, "personnel.equipment_not_found")
	for _, e := range items {
		if err := identity.Decide(actor, identity.ActPersonnelView, identity.InUnit(e.UnitPath)).Err(); err != nil {
			last = err
			continue
		}
		p, a, err := s.HolderAt(ctx, actor, e.ID, at)
		if err == nil {
			return e, p, a, nil
		}
		last = err
	}
	return Equipment{}, Person{}, Assignment{}, last
}

// EquipmentLine is one item on the equipment board.
type EquipmentLine struct {
	Equipment Equipment    `json:"equipment"`
	Holder    *Person      `json:"holder,omitempty"` // masked
	Since     time.Time    `json:"since,omitzero"`
	History   []Assignment `json:"history,omitempty"`
}

// EquipmentBoard lists the inventory the actor may see with who holds each
// item now.
func (s *Service) EquipmentBoard(ctx context.Context, actor *identity.Actor, kind EquipmentKind) ([]EquipmentLine, error) {
	scope, d := identity.ScopeFor(actor, identity.ActPersonnelView)
	if err := d.Err(); err != nil {
		return nil, err
	}
	docs, err := s.store.DocsIn(ctx, KindEquipment, scope.All, scope.Paths)
	if err != nil {
		return nil, err
	}
	items, err := decodeDocs[Equipment](docs)
	if err != nil {
		return nil, err
	}
	adocs, err := s.store.DocsIn(ctx, KindAssignment, scope.All, scope.Paths)
	if err != nil {
		return nil, err
	}
	as, err := decodeDocs[Assignment](adocs)
	if err != nil {
		return nil, err
	}
	current := map[string]Assignment{}
	now := s.now()
	for _, a := range as {
		if a.HeldAt(now) {
			current[a.EquipmentID] = a
		}
	}
	people, _, err := s.peopleByID(ctx, scope)
	if err != nil {
		return nil, err
	}
	var out []EquipmentLine
	for _, e := range items {
		if kind != "" && e.Kind != kind {
			continue
		}
		l := EquipmentLine{Equipment: e}
		if a, ok := current[e.ID]; ok {
			if p, ok := people[a.PersonID]; ok {
				mp := Masked(*p)
				l.Holder = &mp
			}
			l.Since = a.From
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Equipment.Kind != out[j].Equipment.Kind {
			return out[i].Equipment.Kind < out[j].Equipment.Kind
		}
		return out[i].Equipment.Serial < out[j].Equipment.Serial
	})
	return out, nil
}

func (s *Service) peopleByID(ctx context.Context, scope identity.Scope) (map[string]*Person, []Person, error) {
	people, err := s.store.Brief(ctx, scope.All, scope.Paths)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string]*Person, len(people))
	for i := range people {
		out[people[i].ID] = &people[i]
	}
	return out, people, nil
}
