package personnel

import (
	"slices"
	"testing"
	"time"

	"chengguan/internal/calendar"
	"chengguan/internal/identity"
)

func d(s string) Date {
	v, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// noon is 12:00 of a day in Asia/Shanghai.
func noon(s string) time.Time { return d(s).Start().Add(12 * time.Hour) }

// officer is a fully eligible officer on 2026-01-01..: certificate to
// 2026-03-01, initial training, a recorder held from 2025-01-01.
func officer() Facts {
	return Facts{
		Person: Person{ID: "p1", StaffType: StaffCivilServant, Post: PostMember, HiredOn: d("2020-01-01")},
		Certificates: []Certificate{{ID: "c1", PersonID: "p1", Number: "豫A-0001", Status: CertValid,
			ValidFrom: d("2021-03-02"), ValidTo: d("2026-03-01")}},
		Trainings: []Training{{ID: "t1", Kind: TrainInitial, Level: OrgCity, End: d("2020-03-01")}},
		Holdings:  []Holding{{Assignment: Assignment{From: noon("2025-01-01")}, Kind: EquipRecorder}},
	}
}

func codes(rs []Reason) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func TestEligibleAroundEveryBoundary(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*Facts)
		act      identity.Action
		at       time.Time
		reasons  []string
		warnings []string
	}{
		{"valid well before expiry", nil, identity.ActPenaltyInvestigate, noon("2025-12-30"), nil, nil},
		{"61 days before expiry: no warning", nil, identity.ActPenaltyFile, noon("2025-12-30"), nil, nil},
		{"60 days before expiry: warning", nil, identity.ActPenaltyFile, noon("2025-12-31"), nil, []string{WarnCertExpiring}},
		{"expiry day itself is valid, warned", nil, identity.ActPenaltyFile, noon("2026-03-01"), nil, []string{WarnCertExpiring}},
		{"last second of the expiry day", nil, identity.ActPenaltyFile, d("2026-03-02").Start().Add(-time.Second), nil, []string{WarnCertExpiring}},
		{"day after expiry", nil, identity.ActPenaltyFile, d("2026-03-02").Start(), []string{ReasonCertExpired}, nil},
		{"day before valid_from", nil, identity.ActPenaltyFile, noon("2021-03-01"), []string{ReasonCertNotYetValid}, nil},
		{"valid_from day", nil, identity.ActPenaltyFile, noon("2021-03-02"), nil, nil},
		{"not an enforcement act", nil, identity.ActUnitView, noon("2025-06-01"), []string{ReasonNotEnforcement}, nil},
		{"auxiliary staff", func(f *Facts) { f.Person.StaffType = StaffAuxiliary; f.Certificates = nil },
			identity.ActPenaltyFile, noon("2025-06-01"), []string{ReasonAuxiliary}, nil},
		{"dispatched labour is auxiliary", func(f *Facts) { f.Person.StaffType = StaffDispatched },
			identity.ActPenaltyFile, noon("2025-06-01"), []string{ReasonAuxiliary}, nil},
		{"no certificate", func(f *Facts) { f.Certificates = nil }, identity.ActPenaltyFile, noon("2025-06-01"),
			[]string{ReasonNoCertificate}, nil},
		{"suspended certificate", func(f *Facts) { f.Certificates[0].Status = CertSuspended }, identity.ActPenaltyFile,
			noon("2025-06-01"), []string{ReasonCertSuspended}, nil},
		{"revoked certificate", func(f *Facts) { f.Certificates[0].Status = CertRevoked }, identity.ActPenaltyFile,
			noon("2025-06-01"), []string{ReasonCertRevoked}, nil},
		{"certificate applied for", func(f *Facts) { f.Certificates[0].Status = CertApplied }, identity.ActPenaltyFile,
			noon("2025-06-01"), []string{ReasonCertPending}, nil},
		{"void certificate only", func(f *Facts) { f.Certificates[0].Status = CertVoid }, identity.ActPenaltyFile,
			noon("2025-06-01"), []string{ReasonNoCertificate}, nil},
		{"renewed certificate supersedes expired one", func(f *Facts) {
			f.Certificates = append(f.Certificates, Certificate{Number: "豫A-0002", Status: CertValid, ValidFrom: d("2026-03-02"), ValidTo: d("2031-03-01")})
		}, identity.ActPenaltyFile, noon("2026-03-02"), nil, nil},
		{"停职 on its first day", func(f *Facts) {
			f.Periods = []StatusPeriod{{Status: StatusSuspended, From: d("2025-06-01"), To: d("2025-06-30")}}
		}, identity.ActPenaltyFile, noon("2025-06-01"), []string{ReasonPostSuspended}, nil},
		{"停职 on its last day", func(f *Facts) {
			f.Periods = []StatusPeriod{{Status: StatusSuspended, From: d("2025-06-01"), To: d("2025-06-30")}}
		}, identity.ActPenaltyFile, noon("2025-06-30"), []string{ReasonPostSuspended}, nil},
		{"the day after 停职 ends", func(f *Facts) {
			f.Periods = []StatusPeriod{{Status: StatusSuspended, From: d("2025-06-01"), To: d("2025-06-30")}}
		}, identity.ActPenaltyFile, noon("2025-07-01"), nil, nil},
		{"on leave", func(f *Facts) {
			f.Periods = []StatusPeriod{{Status: StatusLeave, From: d("2025-06-01")}}
		}, identity.ActPenaltyFile, noon("2025-06-02"), []string{ReasonOffDuty}, nil},
		{"transferred out", func(f *Facts) {
			f.Periods = []StatusPeriod{{Status: StatusTransferred, From: d("2025-06-01")}}
		}, identity.ActPenaltyFile, noon("2025-06-02"), []string{ReasonTransferredOut}, nil},
		{"left the staff", func(f *Facts) { f.Person.LeftOn = d("2025-06-01") }, identity.ActPenaltyFile,
			noon("2025-06-01"), []string{ReasonNotOnStaff}, nil},
		{"day before the last day", func(f *Facts) { f.Person.LeftOn = d("2025-06-01") }, identity.ActPenaltyFile,
			noon("2025-05-31"), nil, nil},
		{"initial training missing", func(f *Facts) { f.Trainings = nil }, identity.ActPenaltyFile, noon("2025-06-01"),
			[]string{ReasonInitialTraining}, nil},
		{"initial training ends today counts", func(f *Facts) { f.Trainings[0].End = d("2025-06-01") },
			identity.ActPenaltyFile, noon("2025-06-01"), nil, nil},
		{"initial training ends tomorrow", func(f *Facts) { f.Trainings[0].End = d("2025-06-02") },
			identity.ActPenaltyFile, noon("2025-06-01"), []string{ReasonInitialTraining}, nil},
		{"squad head without appointment training", func(f *Facts) { f.Person.Post = PostSquadHead },
			identity.ActPenaltyDecide, noon("2025-06-01"), []string{ReasonAppointmentMissing}, nil},
		{"squad head with appointment training", func(f *Facts) {
			f.Person.Post = PostSquadHead
			f.Trainings = append(f.Trainings, Training{Kind: TrainAppointment, Level: OrgProvince, End: d("2024-01-01")})
		}, identity.ActPenaltyDecide, noon("2025-06-01"), nil, nil},
		{"field act without recorder", func(f *Facts) { f.Holdings = nil }, identity.ActPenaltyInvestigate,
			noon("2025-06-01"), []string{ReasonNoRecorder}, nil},
		{"desk act without recorder", func(f *Facts) { f.Holdings = nil }, identity.ActPenaltyFile,
			noon("2025-06-01"), nil, nil},
		{"recorder returned a second before", func(f *Facts) { f.Holdings[0].To = noon("2025-06-01").Add(-time.Second) },
			identity.ActPenaltySummary, noon("2025-06-01"), []string{ReasonNoRecorder}, nil},
		{"recorder returned at the moment", func(f *Facts) { f.Holdings[0].To = noon("2025-06-01") },
			identity.ActPenaltySummary, noon("2025-06-01"), []string{ReasonNoRecorder}, nil},
		{"recorder handed out at the moment", func(f *Facts) { f.Holdings[0].From = noon("2025-06-01") },
			identity.ActCompulsorySeize, noon("2025-06-01"), nil, nil},
		{"a terminal is not a recorder", func(f *Facts) { f.Holdings[0].Kind = EquipTerminal },
			identity.ActCompulsorySeize, noon("2025-06-01"), []string{ReasonNoRecorder}, nil},
		{"every reason at once", func(f *Facts) {
			f.Person.Post = PostSquadHead
			f.Trainings, f.Holdings = nil, nil
			f.Periods = []StatusPeriod{{Status: StatusSuspended, From: d("2026-01-01")}}
		}, identity.ActPenaltyInvestigate, noon("2026-03-02"),
			[]string{ReasonCertExpired, ReasonPostSuspended, ReasonInitialTraining, ReasonAppointmentMissing, ReasonNoRecorder}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := officer()
			if tt.edit != nil {
				tt.edit(&f)
			}
			v := Eligible(f, tt.act, tt.at)
			if got := codes(v.Reasons); !slices.Equal(got, append([]string{}, tt.reasons...)) {
				t.Fatalf("reasons %v, want %v", got, tt.reasons)
			}
			if got := codes(v.Warnings); !slices.Equal(got, append([]string{}, tt.warnings...)) {
				t.Fatalf("warnings %v, want %v", got, tt.warnings)
			}
			if v.Allowed != (len(tt.reasons) == 0) {
				t.Fatalf("allowed %v with reasons %v", v.Allowed, tt.reasons)
			}
		})
	}
}

func TestExpiredCertificateReasonNamesTheDate(t *testing.T) {
	v := Eligible(officer(), identity.ActPenaltyFile, noon("2026-03-05"))
	if len(v.Reasons) != 1 || v.Reasons[0].Args["Date"] != "2026-03-01" || v.Reasons[0].Key != "personnel.reason.certificate_expired" {
		t.Fatalf("reasons %+v, want certificate_expired on 2026-03-01", v.Reasons)
	}
	w := Eligible(officer(), identity.ActPenaltyFile, noon("2025-12-31")).Warnings
	if len(w) != 1 || w[0].Args["Days"] != 60 {
		t.Fatalf("warning %+v, want 60 days left", w)
	}
}

func TestProvincialTrainingWindow(t *testing.T) {
	cadre := Person{StaffType: StaffCivilServant, Level: LevelDivision}
	course := func(level OrganiserLevel, end string) []Training {
		return []Training{{Kind: TrainRegular, Level: level, End: d(end)}}
	}
	tests := []struct {
		name      string
		p         Person
		ts        []Training
		day       string
		concerned bool
		ok        bool
	}{
		{"section level is not concerned", Person{StaffType: StaffCivilServant, Level: LevelSection}, nil, "2026-06-01", false, true},
		{"auxiliary is not concerned", Person{StaffType: StaffAuxiliary, Level: LevelDivision}, nil, "2026-06-01", false, true},
		{"division cadre without training", cadre, nil, "2026-06-01", true, false},
		{"provincial course exactly 3 years ago", cadre, course(OrgProvince, "2023-06-01"), "2026-06-01", true, true},
		{"provincial course 3 years and a day ago", cadre, course(OrgProvince, "2023-05-31"), "2026-06-01", true, false},
		{"ministry course counts", cadre, course(OrgMinistry, "2025-01-01"), "2026-06-01", true, true},
		{"city course does not count", cadre, course(OrgCity, "2025-01-01"), "2026-06-01", true, false},
		{"course ending in the future does not count yet", cadre, course(OrgProvince, "2026-06-02"), "2026-06-01", true, false},
		{"course ending today counts", cadre, course(OrgProvince, "2026-06-01"), "2026-06-01", true, true},
		{"bureau level is concerned", Person{StaffType: StaffCivilServant, Level: LevelBureau}, nil, "2026-06-01", true, false},
		{"29 February: window from 28 February", cadre, course(OrgProvince, "2025-02-28"), "2028-02-29", true, true},
		{"29 February: 27 February is outside", cadre, course(OrgProvince, "2025-02-27"), "2028-02-29", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok, _ := TrainingCompliance(tt.p, tt.ts, d(tt.day))
			if c != tt.concerned || ok != tt.ok {
				t.Fatalf("concerned %v ok %v, want %v %v", c, ok, tt.concerned, tt.ok)
			}
		})
	}
}

func TestStaffingRatioAtTheMinimum(t *testing.T) {
	tests := []struct {
		name      string
		officers  int
		pop       int64
		min       float64
		ok        bool
		needed    int
		noData    bool
		perTenK   float64
		auxiliary int
	}{
		{"exactly 5 per 10,000", 50, 100_000, 5, true, 50, false, 5, 0},
		{"one short", 49, 100_000, 5, false, 50, false, 4.9, 0},
		{"6 per 10,000 (FACTS §5.3)", 50, 100_000, 6, false, 60, false, 5, 0},
		{"rounds the need up", 3, 5_001, 5, true, 3, false, 3 * 10000 / 5001.0, 0},
		{"no population recorded", 10, 0, 5, false, 0, true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := StaffingRatio(tt.officers, tt.auxiliary, tt.pop, tt.min)
			if s.OK != tt.ok || s.Needed != tt.needed || s.NoData != tt.noData || s.Per10k != tt.perTenK {
				t.Fatalf("%+v, want ok %v needed %d noData %v per10k %v", s, tt.ok, tt.needed, tt.noData, tt.perTenK)
			}
		})
	}
	if s := StaffingRatio(4, 6, 1000, 5); s.AuxRatio != 1.5 {
		t.Fatalf("aux ratio %v, want 1.5", s.AuxRatio)
	}
}

func TestAuxiliaryTrendCountsStaffOnEachMonthEnd(t *testing.T) {
	people := []Person{
		{StaffType: StaffCivilServant, HiredOn: d("2020-01-01")},
		{StaffType: StaffCivilServant, HiredOn: d("2020-01-01"), LeftOn: d("2026-05-01")},
		{StaffType: StaffAuxiliary, HiredOn: d("2026-04-30")},
		{StaffType: StaffAuxiliary, HiredOn: d("2026-05-01")},
	}
	tr := AuxiliaryTrend(people, d("2026-06-15"), 3)
	want := []TrendPoint{
		{Date: "2026-04-30", Officers: 2, Auxiliary: 1, Ratio: 0.5},
		{Date: "2026-05-31", Officers: 1, Auxiliary: 2, Ratio: 2},
		{Date: "2026-06-15", Officers: 1, Auxiliary: 2, Ratio: 2},
	}
	if !slices.Equal(tr, want) {
		t.Fatalf("trend %+v, want %+v", tr, want)
	}
}

func TestCertificateStateAroundTheWarningEdge(t *testing.T) {
	c := Certificate{Status: CertValid, ValidFrom: d("2021-01-01"), ValidTo: d("2026-03-01")}
	for day, want := range map[string]CertState{
		"2025-12-30": StateValid, "2025-12-31": StateExpiring, "2026-03-01": StateExpiring,
		"2026-03-02": StateExpired, "2020-12-31": StateNotYet, "2021-01-01": StateValid,
	} {
		if got := c.StateOn(d(day)); got != want {
			t.Errorf("%s: %s, want %s", day, got, want)
		}
	}
}

func TestExpiringCertificatesSkipsRenewed(t *testing.T) {
	certs := []Certificate{
		{PersonID: "a", Number: "old", Status: CertValid, ValidFrom: d("2020-01-01"), ValidTo: d("2026-01-10")},
		{PersonID: "a", Number: "new", Status: CertValid, ValidFrom: d("2026-01-11"), ValidTo: d("2031-01-10")},
		{PersonID: "b", Number: "b1", Status: CertValid, ValidFrom: d("2020-01-01"), ValidTo: d("2026-02-01")},
		{PersonID: "c", Number: "c1", Status: CertValid, ValidFrom: d("2020-01-01"), ValidTo: d("2025-12-01")},
	}
	got := ExpiringCertificates(certs, d("2026-01-05"))
	var nums []string
	for _, c := range got {
		nums = append(nums, c.Number)
	}
	if !slices.Equal(nums, []string{"c1", "b1"}) {
		t.Fatalf("expiring %v, want [c1 b1]", nums)
	}
}
