package personnel

import (
	"sort"
	"time"

	"chengguan/internal/calendar"
	"chengguan/internal/identity"
)

// Reason is why a person may not act, or a warning: a stable code, its
// translation key ("personnel.reason.<code>") and the key's parameters.
type Reason struct {
	Code string         `json:"code"`
	Key  string         `json:"key"`
	Args map[string]any `json:"args,omitempty"`
}

// LabelKey is a translation key given as a message argument: the web layer
// translates it (it has LabelKeys, as identity.RoleList does).
type LabelKey string

// LabelKeys implements the web layer's translatable-argument interface.
func (k LabelKey) LabelKeys() []string { return []string{string(k)} }

func reason(code string, args map[string]any) Reason {
	return Reason{Code: code, Key: "personnel.reason." + code, Args: args}
}

// Reason codes of Eligible. They are part of the API: never rename one.
const (
	ReasonNotEnforcement     = "not_enforcement_act"
	ReasonAuxiliary          = "auxiliary_staff"
	ReasonNotOnStaff         = "not_on_staff"
	ReasonNoCertificate      = "no_certificate"
	ReasonCertExpired        = "certificate_expired"
	ReasonCertNotYetValid    = "certificate_not_yet_valid"
	ReasonCertPending        = "certificate_pending"
	ReasonCertSuspended      = "certificate_suspended"
	ReasonCertRevoked        = "certificate_revoked"
	ReasonPostSuspended      = "suspended"
	ReasonTransferredOut     = "transferred_out"
	ReasonOffDuty            = "off_duty"
	ReasonNoRecorder         = "no_recorder"
	ReasonInitialTraining    = "initial_training_missing"
	ReasonAppointmentMissing = "appointment_training_missing"
	WarnCertExpiring         = "certificate_expiring"
	WarnIDFlag               = "id_number_flagged"
)

// Facts are what Eligible looks at for one person: the records as stored.
type Facts struct {
	Person       Person
	Certificates []Certificate
	Periods      []StatusPeriod
	Trainings    []Training
	// Holdings are the person's equipment assignments with each item's kind.
	Holdings []Holding
}

// Holding is an assignment with the kind of the item held.
type Holding struct {
	Assignment
	Kind   EquipmentKind `json:"kind"`
	Serial string        `json:"serial"`
}

// Verdict is Eligible's answer.
type Verdict struct {
	Allowed  bool     `json:"allowed"`
	Reasons  []Reason `json:"reasons"`  // why not; empty when allowed
	Warnings []Reason `json:"warnings"` // allowed or not, worth knowing
}

// fieldActs are the enforcement acts done on the street, which must be
// recorded on a body-worn recorder (FACTS §5.2 "三必须"; 行政处罚法 Art. 47).
// Filing, deciding, approving and legal review are desk acts.
func fieldAct(a identity.Action) bool {
	switch a {
	case identity.ActPenaltyInvestigate, identity.ActPenaltySummary, identity.ActCompulsorySeize:
		return true
	}
	return false
}

// Eligible is the one rule the penalty procedure asks: may the person of f
// perform the enforcement act at the moment at, and if not, every reason
// why. Dates are read in Asia/Shanghai; a certificate valid to a day is
// valid through that whole day. The checks:
//   - the act is an enforcement act (identity.KindEnforcement);
//   - 协管 and 劳务派遣 staff never hold enforcement authority (FACTS §5.1);
//   - the person is on the staff (hired, not yet left);
//   - a certificate issued and valid today (warning within 60 days of expiry);
//   - post status: not 停职, 调出, or away (休假, 病假, 脱产培训);
//   - initial training (初任培训) completed; a squad head also completed
//     appointment training (任职培训);
//   - for field acts, a body-worn recorder held at that moment.
//
// It is pure: the same facts give the same verdict.
func Eligible(f Facts, act identity.Action, at time.Time) Verdict {
	v := Verdict{Reasons: []Reason{}, Warnings: []Reason{}}
	day := DateOf(at)
	p := f.Person
	if act.Kind() != identity.KindEnforcement {
		v.Reasons = append(v.Reasons, reason(ReasonNotEnforcement, map[string]any{"Action": string(act)}))
	}
	if p.StaffType.Auxiliary() {
		v.Reasons = append(v.Reasons, reason(ReasonAuxiliary, nil))
	}
	if !p.Active(day) {
		v.Reasons = append(v.Reasons, reason(ReasonNotOnStaff, nil))
	}
	if p.IDFlag != "" {
		v.Warnings = append(v.Warnings, reason(WarnIDFlag, map[string]any{"Flag": p.IDFlag}))
	}
	if !p.StaffType.Auxiliary() {
		r, w := certificateCheck(f.Certificates, day)
		if r != nil {
			v.Reasons = append(v.Reasons, *r)
		}
		if w != nil {
			v.Warnings = append(v.Warnings, *w)
		}
	}
	for _, s := range f.Periods {
		if !s.Covers(day) {
			continue
		}
		switch s.Status {
		case StatusSuspended:
			v.Reasons = append(v.Reasons, reason(ReasonPostSuspended, map[string]any{"From": s.From.String()}))
		case StatusTransferred:
			v.Reasons = append(v.Reasons, reason(ReasonTransferredOut, map[string]any{"From": s.From.String()}))
		case StatusLeave, StatusSickLeave, StatusTraining:
			v.Reasons = append(v.Reasons, reason(ReasonOffDuty, map[string]any{
				"Status": LabelKey("personnel.status." + string(s.Status)), "From": s.From.String()}))
		}
	}
	if !p.StaffType.Auxiliary() {
		if !completed(f.Trainings, TrainInitial, day) {
			v.Reasons = append(v.Reasons, reason(ReasonInitialTraining, nil))
		}
		if p.Post == PostSquadHead && !completed(f.Trainings, TrainAppointment, day) {
			v.Reasons = append(v.Reasons, reason(ReasonAppointmentMissing, nil))
		}
	}
	if fieldAct(act) && !holds(f.Holdings, EquipRecorder, at) {
		v.Reasons = append(v.Reasons, reason(ReasonNoRecorder, nil))
	}
	v.Allowed = len(v.Reasons) == 0
	return v
}

// DateOf is the civil date of t in Asia/Shanghai.
func DateOf(t time.Time) Date { return calendar.DateOf(t) }

// certificateCheck finds the certificate that lets the person act on day,
// or the reason none does, and the expiry warning of the one in use.
func certificateCheck(certs []Certificate, day Date) (*Reason, *Reason) {
	if len(certs) == 0 {
		r := reason(ReasonNoCertificate, nil)
		return &r, nil
	}
	// Prefer the usable certificate valid the longest; otherwise report the
	// most telling problem, in a fixed order.
	var best *Certificate
	found := map[CertState]Certificate{}
	for i := range certs {
		c := certs[i]
		st := c.StateOn(day)
		if st == StateValid || st == StateExpiring {
			if best == nil || c.ValidTo.Compare(best.ValidTo) > 0 {
				best = &certs[i]
			}
			continue
		}
		if prev, ok := found[st]; !ok || c.ValidTo.Compare(prev.ValidTo) > 0 {
			found[st] = c
		}
	}
	if best != nil {
		if best.StateOn(day) == StateExpiring {
			days := daysBetween(day, best.ValidTo)
			w := reason(WarnCertExpiring, map[string]any{"Number": best.Number, "Date": best.ValidTo.String(), "Days": days})
			return nil, &w
		}
		return nil, nil
	}
	for _, st := range []CertState{StateSuspended, StateRevoked, StateExpired, StateNotYet, StatePending} {
		c, ok := found[st]
		if !ok {
			continue
		}
		var r Reason
		switch st {
		case StateSuspended:
			r = reason(ReasonCertSuspended, map[string]any{"Number": c.Number})
		case StateRevoked:
			r = reason(ReasonCertRevoked, map[string]any{"Number": c.Number})
		case StateExpired:
			r = reason(ReasonCertExpired, map[string]any{"Number": c.Number, "Date": c.ValidTo.String()})
		case StateNotYet:
			r = reason(ReasonCertNotYetValid, map[string]any{"Number": c.Number, "Date": c.ValidFrom.String()})
		case StatePending:
			r = reason(ReasonCertPending, map[string]any{"Number": c.Number})
		}
		return &r, nil
	}
	r := reason(ReasonNoCertificate, nil) // only void certificates
	return &r, nil
}

// BestCertificateState is the state of a person's best certificate on day,
// for lists and boards, with that certificate (zero when none).
func BestCertificateState(certs []Certificate, day Date) (CertState, Certificate) {
	rank := map[CertState]int{StateValid: 9, StateExpiring: 8, StateSuspended: 7, StateNotYet: 6, StatePending: 5,
		StateExpired: 4, StateRevoked: 3, StateVoid: 1}
	best, bc := StateNone, Certificate{}
	for _, c := range certs {
		st := c.StateOn(day)
		if rank[st] > rank[best] || rank[st] == rank[best] && c.ValidTo.Compare(bc.ValidTo) > 0 {
			best, bc = st, c
		}
	}
	return best, bc
}

func completed(ts []Training, kind TrainingKind, day Date) bool {
	for _, t := range ts {
		if t.Kind == kind && !isZero(t.End) && t.End.Compare(day) <= 0 {
			return true
		}
	}
	return false
}

func holds(hs []Holding, kind EquipmentKind, at time.Time) bool {
	for _, h := range hs {
		if h.Kind == kind && h.HeldAt(at) {
			return true
		}
	}
	return false
}

func daysBetween(a, b Date) int {
	return int(b.Start().Sub(a.Start()).Hours()+12) / 24 // +12 h: robust to any DST-free zone rounding
}

// TrainingWindowYears is the window of the provincial-training rule.
const TrainingWindowYears = 3

// TrainingCompliance is the provincial-training rule for cadres: a cadre at
// division level (处级) or above needs at least one course organised at
// provincial (省级) or ministry (部级) level that ended within the last 3
// years, counting from the same calendar day 3 years before day. ok is true
// for everyone the rule does not concern; last is the most recent qualifying
// course (zero when none).
func TrainingCompliance(p Person, ts []Training, day Date) (concerned, ok bool, last Training) {
	if !p.Level.AtLeastDivision() || p.StaffType.Auxiliary() {
		return false, true, Training{}
	}
	from := threeYearsBefore(day)
	for _, t := range ts {
		if t.Level != OrgProvince && t.Level != OrgMinistry || isZero(t.End) {
			continue
		}
		if t.End.Compare(day) <= 0 && t.End.Compare(from) >= 0 && (isZero(last.End) || t.End.Compare(last.End) > 0) {
			last = t
		}
	}
	return true, !isZero(last.End), last
}

// threeYearsBefore is the same calendar day TrainingWindowYears earlier
// (29 February maps to 28 February).
func threeYearsBefore(d Date) Date {
	y := d.Year - TrainingWindowYears
	day := d.Day
	if d.Month == time.February && day == 29 {
		day = 28
	}
	return Date{Year: y, Month: d.Month, Day: day}
}

// DefaultMinPer10k is the default minimum of enforcement staff per 10,000
// inhabitants (常住 + 暂住). One seed city uses 5; FACTS §5.3 shows a
// regulation with 6. It is configurable per installation.
const DefaultMinPer10k = 5.0

// Staffing is the staffing ratio of one jurisdiction.
type Staffing struct {
	UnitID     string  `json:"unit_id"`
	UnitName   string  `json:"unit_name"`
	Officers   int     `json:"officers"`   // staff with enforcement authority
	Auxiliary  int     `json:"auxiliary"`  // 协管 + 劳务派遣
	Population int64   `json:"population"` // 常住 + 暂住
	Per10k     float64 `json:"per_10k"`    // officers per 10,000 inhabitants
	Minimum    float64 `json:"minimum"`
	Needed     int     `json:"needed"` // officers the minimum asks for
	OK         bool    `json:"ok"`
	AuxRatio   float64 `json:"aux_ratio"` // auxiliary per officer
	NoData     bool    `json:"no_data"`   // no population recorded
}

// StaffingRatio compares officers with the minimum per 10,000 inhabitants.
// It counts in integers (officers × 10,000 ≥ minimum × population) so a
// jurisdiction exactly at the minimum passes.
func StaffingRatio(officers, auxiliary int, population int64, minPer10k float64) Staffing {
	s := Staffing{Officers: officers, Auxiliary: auxiliary, Population: population, Minimum: minPer10k}
	if officers > 0 {
		s.AuxRatio = float64(auxiliary) / float64(officers)
	}
	if population <= 0 {
		s.NoData = true
		return s
	}
	s.Per10k = float64(officers) * 10000 / float64(population)
	// Needed = ceil(minimum × population / 10,000), counted in milli-units.
	minMilli := int64(minPer10k*1000 + 0.5)
	need := minMilli * population
	s.Needed = int((need + 10000*1000 - 1) / (10000 * 1000))
	s.OK = int64(officers)*10000*1000 >= need
	return s
}

// TrendPoint is the auxiliary-to-officer ratio on one day.
type TrendPoint struct {
	Date      string  `json:"date"`
	Officers  int     `json:"officers"`
	Auxiliary int     `json:"auxiliary"`
	Ratio     float64 `json:"ratio"`
}

// AuxiliaryTrend counts officers and auxiliary staff on the staff at the end
// of each of the last months months up to day (the last point is day).
func AuxiliaryTrend(people []Person, day Date, months int) []TrendPoint {
	var out []TrendPoint
	for i := months - 1; i >= 0; i-- {
		d := day
		if i > 0 {
			// the last day of the month i months back
			first := Date{Year: day.Year, Month: day.Month, Day: 1}
			t := first.Start().AddDate(0, -i+1, -1)
			d = DateOf(t)
		}
		pt := TrendPoint{Date: d.String()}
		for _, p := range people {
			if !p.Active(d) {
				continue
			}
			if p.StaffType.Auxiliary() {
				pt.Auxiliary++
			} else {
				pt.Officers++
			}
		}
		if pt.Officers > 0 {
			pt.Ratio = float64(pt.Auxiliary) / float64(pt.Officers)
		}
		out = append(out, pt)
	}
	return out
}

// ExpiringCertificates lists the certificates that are expired or expire
// within the warning window on day, soonest first, skipping those
// superseded by a later valid certificate of the same person.
func ExpiringCertificates(certs []Certificate, day Date) []Certificate {
	best := map[string]Date{}
	for _, c := range certs {
		// An issued certificate still running later supersedes, even one
		// issued ahead of the day it starts.
		if c.Status == CertValid && c.ValidTo.Compare(day) >= 0 {
			if b, ok := best[c.PersonID]; !ok || c.ValidTo.Compare(b) > 0 {
				best[c.PersonID] = c.ValidTo
			}
		}
	}
	var out []Certificate
	for _, c := range certs {
		st := c.StateOn(day)
		if st != StateExpiring && st != StateExpired {
			continue
		}
		if b, ok := best[c.PersonID]; ok && b.Compare(c.ValidTo) > 0 {
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ValidTo.Compare(out[j].ValidTo) < 0 })
	return out
}
