package demo

import (
	"context"
	"fmt"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
	"chengguan/internal/personnel"
)

// demoID makes a valid GB 11643 number for the demo: address code 410402
// (a 平顶山 district), the birth date, sequence seq (odd male, even female).
func demoID(birth calendar.Date, seq int) string {
	s17 := fmt.Sprintf("410402%04d%02d%02d%03d", birth.Year, int(birth.Month), birth.Day, seq%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given    = []string{"建国", "志强", "海燕", "丽娜", "文博", "俊杰", "晓东", "雪梅", "国庆", "红霞", "立新", "卫东", "静怡", "子涵",
		"浩然", "欣怡", "明辉", "秀英", "伟", "敏", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "超"}
)

// PersonnelLoaded reports how many demo people a load created.
type PersonnelLoaded struct {
	People, Certificates, Equipment, Trainings int
}

// LoadPersonnel fills the personnel subsystem of 示范市 for the boards to show
// something: about 60 people in the two squads and the city bureau, officers
// and auxiliaries, certificates (a few expiring soon or expired), training,
// equipment with hand-outs, today's duties and district populations. It is
// idempotent: a database that has any person already is left alone. Dates
// are relative to now, so the warnings show whenever the demo is loaded.
func LoadPersonnel(ctx context.Context, ids *identity.Service, svc *personnel.Service, now time.Time) (PersonnelLoaded, error) {
	var res PersonnelLoaded
	sys := identity.System()
	pg, err := svc.Roster(ctx, sys, personnel.Filter{Limit: 1})
	if err != nil {
		return res, err
	}
	if pg.Total > 0 {
		return res, nil
	}
	unit := func(code string) string {
		u, err := ids.UnitByCode(ctx, sys, code)
		if err != nil {
			return ""
		}
		return u.ID
	}
	account := func(username string) string {
		a, err := ids.AccountByUsername(ctx, sys, username)
		if err != nil {
			return ""
		}
		return a.ID
	}
	today := personnel.DateOf(now)
	squads := []string{unit("419901-ZD01"), unit("419902-ZD01")}
	city := unit(CityCode)
	if squads[0] == "" || squads[1] == "" || city == "" {
		return res, apperr.New(apperr.NotFound, "unit.not_found")
	}
	for _, p := range []struct {
		code      string
		res, temp int64
	}{{"419901", 40000, 5000}, {"419902", 50000, 8000}} {
		for _, y := range []int{today.Year - 1, today.Year} {
			if _, err := svc.SavePopulation(ctx, sys, personnel.Population{UnitID: unit(p.code), Year: y,
				Resident: p.res - int64(today.Year-y)*500, Temporary: p.temp}); err != nil {
				return res, fmt.Errorf("demo population: %w", err)
			}
		}
	}
	type spec struct {
		unitID  string
		staff   personnel.StaffType
		post    personnel.Post
		level   personnel.CadreLevel
		account string
		name    string
	}
	var specs []spec
	// The city bureau: two division-level cadres (one without recent provincial training) and a legal officer.
	specs = append(specs, spec{city, personnel.StaffCivilServant, personnel.PostLeader, personnel.LevelDivision, "", ""},
		spec{city, personnel.StaffCivilServant, personnel.PostLeader, personnel.LevelDivision, "", ""},
		spec{city, personnel.StaffCivilManaged, personnel.PostLegalOfficer, personnel.LevelSection, "", ""})
	for si, sq := range squads {
		head := spec{sq, personnel.StaffCivilServant, personnel.PostSquadHead, personnel.LevelSection, "", ""}
		if si == 0 {
			head.account, head.name = account("squadlead"), "郑中队"
		}
		specs = append(specs, head, spec{sq, personnel.StaffCivilManaged, personnel.PostLegalOfficer, "", "", ""})
		n := 18
		if si == 1 {
			n = 14
		}
		for i := 0; i < n; i++ {
			st := []personnel.StaffType{personnel.StaffCivilServant, personnel.StaffCivilManaged, personnel.StaffInstitution}[i%3]
			s := spec{sq, st, personnel.PostMember, "", "", ""}
			if si == 0 && i == 0 {
				s.account, s.name = account("officer"), "孙执法"
			}
			specs = append(specs, s)
		}
		for i := 0; i < 8; i++ {
			st := personnel.StaffAuxiliary
			if i%4 == 3 {
				st = personnel.StaffDispatched
			}
			s := spec{sq, st, personnel.PostAssistant, "", "", ""}
			if si == 0 && i == 0 {
				s.account, s.name = account("auxiliary"), "周协管"
			}
			specs = append(specs, s)
		}
	}
	var officers []personnel.Person
	for i, s := range specs {
		birth := calendar.Date{Year: 1968 + i%30, Month: time.Month(1 + i%12), Day: 1 + (i*7)%28}
		name := s.name
		if name == "" {
			name = string(surnames[(i*7)%len(surnames)]) + given[(i*5)%len(given)]
		}
		hired := today.AddDays(-(365*(2+i%15) + i))
		if s.staff.Auxiliary() {
			// Auxiliaries were hired over the last year: the trend rises.
			hired = today.AddDays(-(30*(i%12) + 5))
		}
		p := personnel.Person{UnitID: s.unitID, AccountID: s.account, Name: name, IDNumber: demoID(birth, 11+2*i+i%2),
			StaffType: s.staff, Post: s.post, Level: s.level, Phone: fmt.Sprintf("1390375%04d", 1000+i), HiredOn: hired}
		if s.post == personnel.PostSquadHead {
			p.Rank = "中队长"
		}
		p, err := svc.SavePerson(ctx, sys, p)
		if err != nil {
			return res, fmt.Errorf("demo person %d: %w", i, err)
		}
		res.People++
		if !p.StaffType.Auxiliary() {
			officers = append(officers, p)
		}
	}
	for i, p := range officers {
		// Certificates: most run for years; every ninth expires within 60
		// days, every eleventh has expired, two new recruits have none yet.
		to := today.AddDays(400 + 37*i)
		switch {
		case i%9 == 4:
			to = today.AddDays(10 + i)
		case i%11 == 6:
			to = today.AddDays(-5 - i)
		}
		if i%13 != 12 {
			if _, err := svc.SaveCertificate(ctx, sys, personnel.Certificate{PersonID: p.ID, Number: fmt.Sprintf("豫平执%06d", 1000+i),
				Issuer: "示范市人民政府", Field: "城市管理综合执法", ValidFrom: to.AddDays(-5 * 365), ValidTo: to, Status: personnel.CertValid}); err != nil {
				return res, fmt.Errorf("demo certificate: %w", err)
			}
			res.Certificates++
		}
		// Initial training for all but the newest two.
		if i%13 != 12 && i != 7 {
			if _, err := svc.SaveTraining(ctx, sys, personnel.Training{PersonID: p.ID, Course: "城管执法人员初任培训",
				Kind: personnel.TrainInitial, Level: personnel.OrgCity, Hours: 80, Start: p.HiredOn.AddDays(20), End: p.HiredOn.AddDays(40)}); err != nil {
				return res, fmt.Errorf("demo training: %w", err)
			}
			res.Trainings++
		}
		if p.Post == personnel.PostSquadHead && p.AccountID != "" || p.Level == personnel.LevelDivision && i == 0 {
			kind, level, course := personnel.TrainAppointment, personnel.OrgProvince, "中队长任职培训"
			if p.Level == personnel.LevelDivision {
				kind, course = personnel.TrainRegular, "全省城管执法局长专题培训"
			}
			if _, err := svc.SaveTraining(ctx, sys, personnel.Training{PersonID: p.ID, Course: course, Kind: kind, Level: level,
				Hours: 40, Start: today.AddDays(-400), End: today.AddDays(-395)}); err != nil {
				return res, fmt.Errorf("demo training: %w", err)
			}
			res.Trainings++
		}
	}
	// Equipment: recorders for most squad officers, terminals, vehicles, radios.
	kinds := []struct {
		kind   personnel.EquipmentKind
		prefix string
		n      int
	}{{personnel.EquipRecorder, "JLY", 24}, {personnel.EquipTerminal, "ZD", 10}, {personnel.EquipVehicle, "豫D·Z", 4}, {personnel.EquipRadio, "DJJ", 10}}
	handedAt := now.Add(-30 * 24 * time.Hour).UTC().Truncate(time.Second)
	// Recorders go to each squad's officers in roster order.
	queue := map[string][]personnel.Person{}
	for _, o := range officers {
		queue[o.UnitID] = append(queue[o.UnitID], o)
	}
	for _, k := range kinds {
		for i := 0; i < k.n; i++ {
			cond := personnel.CondGood
			if i%10 == 9 {
				cond = personnel.CondBroken
			}
			e, err := svc.SaveEquipment(ctx, sys, personnel.Equipment{Kind: k.kind, Serial: fmt.Sprintf("%s%04d", k.prefix, i+1),
				Model: "示范型", UnitID: squads[i%2], Condition: cond})
			if err != nil {
				return res, fmt.Errorf("demo equipment: %w", err)
			}
			res.Equipment++
			if cond != personnel.CondGood || k.kind == personnel.EquipVehicle {
				continue
			}
			// Hand recorders out to officers of the item's squad.
			if k.kind == personnel.EquipRecorder {
				q := queue[squads[i%2]]
				if len(q) == 0 || i > 18 {
					continue
				}
				if _, err := svc.Assign(ctx, sys, e.ID, q[0].ID, handedAt); err != nil {
					return res, fmt.Errorf("demo hand-out: %w", err)
				}
				queue[squads[i%2]] = q[1:]
			}
		}
	}
	// Today's duties in both squads, a leave and a suspension.
	start := today.Start().Add(8 * time.Hour)
	for i, p := range officers {
		if i%5 == 1 {
			if _, err := svc.SaveDuty(ctx, sys, personnel.Duty{PersonID: p.ID, Start: start, End: start.Add(10 * time.Hour), Post: "带班"}); err != nil {
				return res, fmt.Errorf("demo duty: %w", err)
			}
		}
	}
	if len(officers) > 20 {
		if _, err := svc.SavePeriod(ctx, sys, personnel.StatusPeriod{PersonID: officers[9].ID, Status: personnel.StatusLeave,
			From: today.AddDays(-2), To: today.AddDays(5)}); err != nil {
			return res, err
		}
		if _, err := svc.SavePeriod(ctx, sys, personnel.StatusPeriod{PersonID: officers[20].ID, Status: personnel.StatusSuspended,
			From: today.AddDays(-10), Note: "接受调查"}); err != nil {
			return res, err
		}
		if _, err := svc.SaveMerit(ctx, sys, personnel.Merit{PersonID: officers[3].ID, Kind: "reward", Title: "嘉奖",
			Date: today.AddDays(-100), Authority: "示范市城市管理局"}); err != nil {
			return res, err
		}
	}
	// A legal-knowledge exam for the Dongcheng squad: heads and legal
	// officers sit it, 30% of the others are drawn with a recorded seed.
	var qids []string
	for _, q := range []personnel.Question{
		{Text: "行政处罚法规定，当事人应当自收到行政处罚决定书之日起几日内缴纳罚款？", Options: []string{"七日", "十五日", "三十日"}, Answer: 1, Field: "行政处罚法"},
		{Text: "执法人员当场作出行政处罚决定的，应当向当事人出示什么？", Options: []string{"工作证", "执法证件", "身份证"}, Answer: 1, Field: "行政处罚法"},
	} {
		q, err := svc.SaveQuestion(ctx, sys, q)
		if err != nil {
			return res, fmt.Errorf("demo question: %w", err)
		}
		qids = append(qids, q.ID)
	}
	paper, err := svc.CreatePaper(ctx, sys, personnel.Paper{Title: fmt.Sprintf("%d 年度法律知识考试", today.Year), Date: today.AddDays(-20),
		UnitID: squads[0], QuestionIDs: qids, SamplePct: 30, Seed: 20261122})
	if err != nil {
		return res, fmt.Errorf("demo paper: %w", err)
	}
	for i, c := range paper.Candidates {
		if _, err := svc.RecordScore(ctx, sys, paper.ID, c.PersonID, 55+(i*7)%45); err != nil {
			return res, fmt.Errorf("demo score: %w", err)
		}
	}
	return res, nil
}
