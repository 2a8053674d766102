// Package personnel is the enforcement personnel subsystem (执法人员管理信息子系统,
// issue 5; FACTS §2.10, §5): officers and auxiliary staff (协管员) with their
// certificates, post status, duty rosters, equipment, training, exams,
// rewards and discipline, transfers, and the population of each jurisdiction.
//
// Its rules are pure functions (rules.go): Eligible answers whether a person
// may perform an enforcement act at a moment, and why not; the compliance
// functions measure training, staffing and auxiliary ratios. A Service
// loads, asks identity.Decide, and writes each change with its ledger record
// in one transaction through Store, which keeps every version (history).
// The package must not decide who may see a record in SQL, and never puts ID
// or phone numbers into errors or logs.
package personnel

import (
	"time"

	"chengguan/internal/calendar"
)

// Date is a civil date (Asia/Shanghai). The zero Date means "not set".
type Date = calendar.Date

// StaffType is the 编制类型 of a person.
type StaffType string

// The 编制类型. Only the first three can hold enforcement authority: 协管 and
// 劳务派遣 staff are auxiliary (城市管理执法办法 Art. 18, FACTS §5.1).
const (
	StaffCivilServant StaffType = "civil_servant" // 行政编制
	StaffCivilManaged StaffType = "civil_managed" // 参照公务员法管理 (参公)
	StaffInstitution  StaffType = "institution"   // 事业编制
	StaffAuxiliary    StaffType = "auxiliary"     // 协管
	StaffDispatched   StaffType = "dispatched"    // 劳务派遣
)

// StaffTypes lists every 编制类型 in display order.
func StaffTypes() []StaffType {
	return []StaffType{StaffCivilServant, StaffCivilManaged, StaffInstitution, StaffAuxiliary, StaffDispatched}
}

// Auxiliary reports whether t is auxiliary staff, who never hold enforcement authority.
func (t StaffType) Auxiliary() bool { return t == StaffAuxiliary || t == StaffDispatched }

// Valid reports a known staff type.
func (t StaffType) Valid() bool { return has(StaffTypes(), t) }

// Post is a person's post (岗位).
type Post string

// Posts.
const (
	PostMember       Post = "member"        // 执法队员
	PostSquadHead    Post = "squad_head"    // 中队长
	PostLegalOfficer Post = "legal_officer" // 法制员
	PostLeader       Post = "leader"        // 局领导
	PostAssistant    Post = "assistant"     // 协管岗位
	PostOther        Post = "other"
)

// Posts lists every post.
func Posts() []Post {
	return []Post{PostMember, PostSquadHead, PostLegalOfficer, PostLeader, PostAssistant, PostOther}
}

// Valid reports a known post.
func (p Post) Valid() bool { return has(Posts(), p) }

// CadreLevel is the rank of a cadre (职级): what the training rule asks.
type CadreLevel string

// Cadre levels; "" is none (staff below 科级).
const (
	LevelNone     CadreLevel = ""
	LevelSection  CadreLevel = "section"  // 科级
	LevelDivision CadreLevel = "division" // 处级
	LevelBureau   CadreLevel = "bureau"   // 厅局级 and above
)

// CadreLevels lists every level, none first.
func CadreLevels() []CadreLevel {
	return []CadreLevel{LevelNone, LevelSection, LevelDivision, LevelBureau}
}

// AtLeastDivision reports 处级 and above.
func (l CadreLevel) AtLeastDivision() bool { return l == LevelDivision || l == LevelBureau }

// Person is one member of enforcement staff: an officer or auxiliary.
type Person struct {
	ID        string     `json:"id"`
	AccountID string     `json:"account_id,omitempty"` // optional identity account
	UnitID    string     `json:"unit_id,omitempty"`
	UnitPath  string     `json:"unit_path,omitempty"` // copied from the unit for scoping
	Name      string     `json:"name"`
	IDNumber  string     `json:"id_number"` // GB 11643; masked unless the viewer may see it
	Gender    string     `json:"gender"`    // "male", "female"
	BirthDate Date       `json:"birth_date,omitzero"`
	StaffType StaffType  `json:"staff_type"`
	Post      Post       `json:"post"`
	Rank      string     `json:"rank,omitempty"` // 职务/职级 as written
	Level     CadreLevel `json:"level,omitempty"`
	Phone     string     `json:"phone,omitempty"`
	Photo     string     `json:"photo,omitempty"` // evidence SHA-256 of the photo
	HiredOn   Date       `json:"hired_on,omitzero"`
	LeftOn    Date       `json:"left_on,omitzero"` // set by a transfer out
	// IDFlag is set when the ID number passes the checksum but looks odd
	// (an old address code): kept, flagged for review (FACTS §0.5).
	IDFlag    string    `json:"id_flag,omitempty"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Active reports whether p belongs to the staff on d.
func (p Person) Active(d Date) bool {
	if !isZero(p.HiredOn) && p.HiredOn.Compare(d) > 0 {
		return false
	}
	return isZero(p.LeftOn) || p.LeftOn.Compare(d) > 0
}

// CertStatus is the stage of an enforcement certificate (执法证) in its
// life: application → review → issue → void (FACTS §2.10), with suspension
// and revocation. Expiry is not a stored status: it follows from ValidTo.
type CertStatus string

// Certificate statuses.
const (
	CertApplied   CertStatus = "applied"   // 申领
	CertReviewed  CertStatus = "reviewed"  // 审核通过
	CertValid     CertStatus = "valid"     // 制证 (issued)
	CertSuspended CertStatus = "suspended" // 暂扣
	CertRevoked   CertStatus = "revoked"   // 吊销
	CertVoid      CertStatus = "void"      // 作废/退回
)

// CertStatuses lists every stored status.
func CertStatuses() []CertStatus {
	return []CertStatus{CertApplied, CertReviewed, CertValid, CertSuspended, CertRevoked, CertVoid}
}

// nextCert is the certificate's state machine.
func nextCert(from, to CertStatus) bool {
	switch from {
	case CertApplied:
		return to == CertReviewed || to == CertVoid
	case CertReviewed:
		return to == CertValid || to == CertVoid
	case CertValid:
		return to == CertSuspended || to == CertRevoked || to == CertVoid
	case CertSuspended:
		return to == CertValid || to == CertRevoked || to == CertVoid
	}
	return false
}

// Certificate is an enforcement certificate (执法证).
type Certificate struct {
	ID        string     `json:"id"`
	PersonID  string     `json:"person_id"`
	Number    string     `json:"number"`
	Issuer    string     `json:"issuer"`
	Field     string     `json:"field"` // 执法领域
	ValidFrom Date       `json:"valid_from,omitzero"`
	ValidTo   Date       `json:"valid_to,omitzero"` // the last day it is valid
	Status    CertStatus `json:"status"`
	Note      string     `json:"note,omitempty"`
	Version   int        `json:"version"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// CertState is what a certificate means on a day.
type CertState string

// Certificate states on a day.
const (
	StateValid     CertState = "valid"
	StateExpiring  CertState = "expiring" // valid, ends within the warning window
	StateExpired   CertState = "expired"
	StateNotYet    CertState = "not_yet_valid"
	StatePending   CertState = "pending" // applied or reviewed, not issued
	StateSuspended CertState = "suspended"
	StateRevoked   CertState = "revoked"
	StateVoid      CertState = "void"
	StateNone      CertState = "none" // a person without any certificate
	ExpiryWarnDays           = 60
)

// StateOn is the certificate's state on d.
func (c Certificate) StateOn(d Date) CertState {
	switch c.Status {
	case CertApplied, CertReviewed:
		return StatePending
	case CertSuspended:
		return StateSuspended
	case CertRevoked:
		return StateRevoked
	case CertVoid:
		return StateVoid
	}
	switch {
	case c.ValidFrom.Compare(d) > 0:
		return StateNotYet
	case c.ValidTo.Compare(d) < 0:
		return StateExpired
	case c.ValidTo.Compare(d.AddDays(ExpiryWarnDays)) <= 0:
		return StateExpiring
	}
	return StateValid
}

// PostStatus is a person's post status (岗位状态) over a period.
type PostStatus string

// Post statuses.
const (
	StatusOnDuty      PostStatus = "on_duty"         // 在岗
	StatusLeave       PostStatus = "leave"           // 休假
	StatusSickLeave   PostStatus = "sick_leave"      // 病假
	StatusTraining    PostStatus = "training"        // 脱产培训
	StatusSuspended   PostStatus = "suspended"       // 停职
	StatusTransferred PostStatus = "transferred_out" // 调出
)

// PostStatuses lists every post status.
func PostStatuses() []PostStatus {
	return []PostStatus{StatusOnDuty, StatusLeave, StatusSickLeave, StatusTraining, StatusSuspended, StatusTransferred}
}

// StatusPeriod is a post status from a day to a day (inclusive; zero To is open).
type StatusPeriod struct {
	ID        string     `json:"id"`
	PersonID  string     `json:"person_id"`
	Status    PostStatus `json:"status"`
	From      Date       `json:"from,omitzero"`
	To        Date       `json:"to,omitzero"`
	Note      string     `json:"note,omitempty"`
	Version   int        `json:"version"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Covers reports whether the period includes d.
func (s StatusPeriod) Covers(d Date) bool {
	return s.From.Compare(d) <= 0 && (isZero(s.To) || s.To.Compare(d) >= 0)
}

// Duty is one duty roster entry (值班).
type Duty struct {
	ID        string    `json:"id"`
	PersonID  string    `json:"person_id"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Post      string    `json:"post,omitempty"` // where or what, e.g. 带班
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// EquipmentKind is a kind of equipment.
type EquipmentKind string

// Equipment kinds.
const (
	EquipRecorder EquipmentKind = "recorder" // 执法记录仪
	EquipTerminal EquipmentKind = "terminal" // 手持终端
	EquipVehicle  EquipmentKind = "vehicle"  // 执法车辆
	EquipRadio    EquipmentKind = "radio"    // 对讲机
)

// EquipmentKinds lists every kind.
func EquipmentKinds() []EquipmentKind {
	return []EquipmentKind{EquipRecorder, EquipTerminal, EquipVehicle, EquipRadio}
}

// Condition is an item's condition.
type Condition string

// Conditions.
const (
	CondGood    Condition = "good"
	CondWorn    Condition = "worn"
	CondBroken  Condition = "broken"
	CondLost    Condition = "lost"
	CondRetired Condition = "retired"
)

// Conditions lists every condition.
func Conditions() []Condition {
	return []Condition{CondGood, CondWorn, CondBroken, CondLost, CondRetired}
}

// Equipment is one item of the inventory.
type Equipment struct {
	ID        string        `json:"id"`
	Kind      EquipmentKind `json:"kind"`
	Serial    string        `json:"serial"`
	Model     string        `json:"model,omitempty"`
	UnitID    string        `json:"unit_id,omitempty"`
	UnitPath  string        `json:"unit_path,omitempty"`
	Condition Condition     `json:"condition"`
	Version   int           `json:"version"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// Assignment is one holding of an item: from the moment it was handed out
// to the moment it was returned (zero while held).
type Assignment struct {
	ID          string    `json:"id"`
	EquipmentID string    `json:"equipment_id"`
	PersonID    string    `json:"person_id"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	Version     int       `json:"version"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// HeldAt reports whether the item was held at t: from ≤ t < to.
func (a Assignment) HeldAt(t time.Time) bool {
	return !a.From.After(t) && (a.To.IsZero() || t.Before(a.To))
}

// TrainingKind is the kind of a course.
type TrainingKind string

// Training kinds.
const (
	TrainInitial     TrainingKind = "initial"     // 初任培训
	TrainAppointment TrainingKind = "appointment" // 任职培训
	TrainRegular     TrainingKind = "regular"     // 在职/专题培训
)

// TrainingKinds lists every kind.
func TrainingKinds() []TrainingKind {
	return []TrainingKind{TrainInitial, TrainAppointment, TrainRegular}
}

// OrganiserLevel is who organised a course.
type OrganiserLevel string

// Organiser levels.
const (
	OrgMinistry OrganiserLevel = "ministry" // 部级
	OrgProvince OrganiserLevel = "province" // 省级
	OrgCity     OrganiserLevel = "city"     // 市级
	OrgCounty   OrganiserLevel = "county"   // 县级
)

// OrganiserLevels lists every level.
func OrganiserLevels() []OrganiserLevel {
	return []OrganiserLevel{OrgMinistry, OrgProvince, OrgCity, OrgCounty}
}

// Training is one course a person completed.
type Training struct {
	ID          string         `json:"id"`
	PersonID    string         `json:"person_id"`
	Course      string         `json:"course"`
	Kind        TrainingKind   `json:"kind"`
	Level       OrganiserLevel `json:"level"`
	Hours       int            `json:"hours"`
	Start       Date           `json:"start,omitzero"`
	End         Date           `json:"end,omitzero"`
	Certificate string         `json:"certificate,omitempty"`
	Version     int            `json:"version"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// Merit is a reward (奖励) or a disciplinary measure (处分).
type Merit struct {
	ID        string    `json:"id"`
	PersonID  string    `json:"person_id"`
	Kind      string    `json:"kind"` // "reward" or "discipline"
	Title     string    `json:"title"`
	Date      Date      `json:"date,omitzero"`
	Authority string    `json:"authority,omitempty"`
	Note      string    `json:"note,omitempty"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Transfer is a transfer in (调入) or out (调出).
type Transfer struct {
	ID        string    `json:"id"`
	PersonID  string    `json:"person_id"`
	Direction string    `json:"direction"` // "in" or "out"
	Date      Date      `json:"date,omitzero"`
	Org       string    `json:"org"` // the other organisation
	Note      string    `json:"note,omitempty"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Population is the population of a jurisdiction unit in a year (常住 + 暂住).
type Population struct {
	ID        string    `json:"id"`
	UnitID    string    `json:"unit_id"`
	UnitPath  string    `json:"unit_path"`
	Year      int       `json:"year"`
	Resident  int64     `json:"resident"`  // 常住
	Temporary int64     `json:"temporary"` // 暂住
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Total is 常住 + 暂住.
func (p Population) Total() int64 { return p.Resident + p.Temporary }

func isZero(d Date) bool { return d == Date{} }

func has[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
