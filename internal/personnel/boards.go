package personnel

import (
	"context"
	"sort"
	"strings"
	"time"

	"chengguan/internal/calendar"
	"chengguan/internal/identity"
)

func parseDate(s string) (Date, error) { return calendar.ParseDate(s) }

// scopedPeople loads every person the actor may view, by ID.
func (s *Service) scopedPeople(ctx context.Context, actor *identity.Actor) (identity.Scope, map[string]*Person, error) {
	scope, d := identity.ScopeFor(actor, identity.ActPersonnelView)
	if err := d.Err(); err != nil {
		return scope, nil, err
	}
	people, _, err := s.peopleByID(ctx, scope)
	return scope, people, err
}

// ExpiryLine is a certificate on the expiry board.
type ExpiryLine struct {
	Person      Person      `json:"person"` // masked
	Certificate Certificate `json:"certificate"`
	State       CertState   `json:"state"`
	Days        int         `json:"days"` // days left (negative: days since expiry)
}

// CertificateBoard lists the certificates that expired or expire within 60
// days, soonest first, of people still on the staff.
func (s *Service) CertificateBoard(ctx context.Context, actor *identity.Actor) ([]ExpiryLine, error) {
	scope, people, err := s.scopedPeople(ctx, actor)
	if err != nil {
		return nil, err
	}
	// Issued certificates by their columns only: the board needs no body.
	docs, err := s.store.Columns(ctx, DocFilter{Kind: KindCertificate, All: scope.All, Paths: scope.Paths, Tag: string(CertValid)})
	if err != nil {
		return nil, err
	}
	certs := make([]Certificate, 0, len(docs))
	for _, d := range docs {
		from, _ := parseDate(d.From)
		to, err := parseDate(d.To)
		if err != nil {
			continue
		}
		certs = append(certs, Certificate{ID: d.ID, PersonID: d.Owner, Number: d.Ref, Status: CertStatus(d.Tag),
			ValidFrom: from, ValidTo: to, Version: d.Version})
	}
	day := DateOf(s.now())
	out := []ExpiryLine{}
	for _, c := range ExpiringCertificates(certs, day) {
		p, ok := people[c.PersonID]
		if !ok || !p.Active(day) {
			continue
		}
		out = append(out, ExpiryLine{Person: Masked(*p), Certificate: c, State: c.StateOn(day), Days: daysBetween(day, c.ValidTo)})
	}
	return out, nil
}

// TrainingLine is a person on the training-compliance board.
type TrainingLine struct {
	Person         Person `json:"person"` // masked
	InitialDone    bool   `json:"initial_done"`
	AppointmentDue bool   `json:"appointment_due"` // a squad head without 任职培训
	ProvincialDue  bool   `json:"provincial_due"`  // a 处级 cadre without 省级 training in 3 years
	LastProvincial string `json:"last_provincial,omitempty"`
	Hours3y        int    `json:"hours_3y"` // training hours in the last 3 years
}

// TrainingBoard lists every officer who misses a training rule: initial
// training, appointment training of squad heads, and the provincial
// training of 处级 cadres. all lists everyone, compliant or not.
func (s *Service) TrainingBoard(ctx context.Context, actor *identity.Actor, all bool) ([]TrainingLine, error) {
	scope, people, err := s.scopedPeople(ctx, actor)
	if err != nil {
		return nil, err
	}
	docs, err := s.store.Columns(ctx, DocFilter{Kind: KindTraining, All: scope.All, Paths: scope.Paths})
	if err != nil {
		return nil, err
	}
	byPerson := map[string][]Training{}
	for _, d := range docs {
		t := Training{ID: d.ID, PersonID: d.Owner, Kind: TrainingKind(d.Tag), Level: OrganiserLevel(d.Tag2), Hours: int(d.Num)}
		t.Start, _ = parseDate(d.From)
		t.End, _ = parseDate(d.To)
		byPerson[t.PersonID] = append(byPerson[t.PersonID], t)
	}
	day := DateOf(s.now())
	from := threeYearsBefore(day)
	out := []TrainingLine{}
	for _, p := range people {
		if p.StaffType.Auxiliary() || !p.Active(day) {
			continue
		}
		mine := byPerson[p.ID]
		l := TrainingLine{Person: Masked(*p), InitialDone: completed(mine, TrainInitial, day)}
		l.AppointmentDue = p.Post == PostSquadHead && !completed(mine, TrainAppointment, day)
		concerned, ok, last := TrainingCompliance(*p, mine, day)
		l.ProvincialDue = concerned && !ok
		if !isZero(last.End) {
			l.LastProvincial = last.End.String()
		}
		for _, t := range mine {
			if t.End.Compare(from) >= 0 && t.End.Compare(day) <= 0 {
				l.Hours3y += t.Hours
			}
		}
		if all || !l.InitialDone || l.AppointmentDue || l.ProvincialDue {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Person.UnitPath != out[j].Person.UnitPath {
			return out[i].Person.UnitPath < out[j].Person.UnitPath
		}
		return out[i].Person.Name < out[j].Person.Name
	})
	return out, nil
}

// StaffingBoard is the staffing ratio of every district the actor may see,
// against its latest recorded population, with the auxiliary trend.
type StaffingBoard struct {
	Minimum   float64      `json:"minimum"`
	Districts []Staffing   `json:"districts"`
	Trend     []TrendPoint `json:"trend"` // auxiliary per officer, last 12 months
}

// Staffing computes the staffing board on the day of now. Jurisdictions are
// the units of kind district (a city without districts: the city).
func (s *Service) Staffing(ctx context.Context, actor *identity.Actor) (StaffingBoard, error) {
	scope, d := identity.ScopeFor(actor, identity.ActPersonnelView)
	if err := d.Err(); err != nil {
		return StaffingBoard{}, err
	}
	_, all, err := s.peopleByID(ctx, scope)
	if err != nil {
		return StaffingBoard{}, err
	}
	units, err := s.store.UnitsOfKind(ctx, string(identity.KindDistrict))
	if err != nil {
		return StaffingBoard{}, err
	}
	pops, err := s.store.DocsIn(ctx, KindPopulation, scope.All, scope.Paths)
	if err != nil {
		return StaffingBoard{}, err
	}
	popList, err := decodeDocs[Population](pops)
	if err != nil {
		return StaffingBoard{}, err
	}
	latest := map[string]Population{}
	for _, p := range popList {
		if l, ok := latest[p.UnitID]; !ok || p.Year > l.Year {
			latest[p.UnitID] = p
		}
	}
	day := DateOf(s.now())
	b := StaffingBoard{Minimum: s.minPer10k, Districts: []Staffing{}}
	for _, u := range units {
		id, path, name := u[0], u[1], u[2]
		if !scope.Contains(path) {
			continue
		}
		var off, aux int
		for _, p := range all {
			if !strings.HasPrefix(p.UnitPath, path) || !p.Active(day) {
				continue
			}
			if p.StaffType.Auxiliary() {
				aux++
			} else {
				off++
			}
		}
		st := StaffingRatio(off, aux, latest[id].Total(), s.minPer10k)
		st.UnitID, st.UnitName = id, name
		b.Districts = append(b.Districts, st)
	}
	b.Trend = AuxiliaryTrend(all, day, 12)
	return b, nil
}

// OnDuty lists the duty entries covering now, and after, of the people
// the actor may view within path (a squad), with each person (masked).
type DutyLine struct {
	Person Person `json:"person"`
	Duty   Duty   `json:"duty"`
}

// DutiesAround lists duties of people in scope that overlap [from, to).
func (s *Service) DutiesAround(ctx context.Context, actor *identity.Actor, from, to time.Time) ([]DutyLine, error) {
	scope, people, err := s.scopedPeople(ctx, actor)
	if err != nil {
		return nil, err
	}
	docs, err := s.store.DocsIn(ctx, KindDuty, scope.All, scope.Paths)
	if err != nil {
		return nil, err
	}
	ds, err := decodeDocs[Duty](docs)
	if err != nil {
		return nil, err
	}
	out := []DutyLine{}
	for _, d := range ds {
		if d.End.After(from) && d.Start.Before(to) {
			if p, ok := people[d.PersonID]; ok {
				out = append(out, DutyLine{Person: Masked(*p), Duty: d})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Duty.Start.Before(out[j].Duty.Start) })
	return out, nil
}
