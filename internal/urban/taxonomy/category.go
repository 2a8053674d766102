package taxonomy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
)

// Kind tells a component (部件, a facility) from an event (事件, an
// occurrence). FACTS §1.2.
type Kind string

// The kinds; the string values are the API, CSV and database codes.
const (
	Component Kind = "component" // 部件
	Event     Kind = "event"     // 事件
)

// Kinds lists the kinds in display order.
func Kinds() []Kind { return []Kind{Component, Event} }

// ParseKind accepts the codes and the Chinese names 部件 and 事件.
func ParseKind(s string) (Kind, bool) {
	switch strings.TrimSpace(s) {
	case "component", "部件":
		return Component, true
	case "event", "事件":
		return Event, true
	}
	return "", false
}

// LabelKey is the translation key of the kind's name.
func (k Kind) LabelKey() string { return "taxonomy.kind." + string(k) }

// Source tells the national catalogue (GB/T 30428 / CJ/T 214 classes as the
// city adopted them) from the classes a city defines itself (扩展).
type Source string

// The sources; the string values are the API, CSV and database codes.
const (
	National Source = "national" // 国标
	City     Source = "city"     // 本市扩展
)

// ParseSource accepts the codes and the Chinese names 国标 and 扩展.
func ParseSource(s string) (Source, bool) {
	switch strings.TrimSpace(s) {
	case "national", "国标":
		return National, true
	case "city", "扩展":
		return City, true
	}
	return "", false
}

// LabelKey is the translation key of the source's name.
func (s Source) LabelKey() string { return "taxonomy.source." + string(s) }

// Stage is a step of the case workflow that has a time limit (FACTS §1.4).
type Stage string

// The stages with limits; the string values are the API codes.
const (
	StageFile     Stage = "file"     // 立案
	StageDispatch Stage = "dispatch" // 派遣
	StageHandle   Stage = "handle"   // 处置
	StageVerify   Stage = "verify"   // 核查
)

// Stages lists the stages in workflow order.
func Stages() []Stage { return []Stage{StageFile, StageDispatch, StageHandle, StageVerify} }

// LabelKey is the translation key of the stage's name.
func (s Stage) LabelKey() string { return "taxonomy.stage." + string(s) }

// Urgency is a case's urgency level (FACTS §1.6: 一般/紧急 grading; 特急 is
// common in city rules). Every category offers Normal; Urgent and Critical
// only when the category lists them, each with its own 处置 limit.
type Urgency string

// The urgency levels; the string values are the API codes.
const (
	Normal   Urgency = "normal"   // 一般
	Urgent   Urgency = "urgent"   // 紧急
	Critical Urgency = "critical" // 特急
)

// Urgencies lists the levels from least to most urgent.
func Urgencies() []Urgency { return []Urgency{Normal, Urgent, Critical} }

// ParseUrgency accepts the codes and the Chinese names.
func ParseUrgency(s string) (Urgency, bool) {
	switch strings.TrimSpace(s) {
	case "normal", "一般", "":
		return Normal, true
	case "urgent", "紧急":
		return Urgent, true
	case "critical", "特急":
		return Critical, true
	}
	return "", false
}

// LabelKey is the translation key of the level's name.
func (u Urgency) LabelKey() string { return "taxonomy.urgency." + string(u) }

// Limit is a time limit: an amount in a calendar unit (FACTS §0.3: never a
// bare integer). The zero Limit means "none".
type Limit struct {
	Amount int           `json:"amount"`
	Unit   calendar.Unit `json:"unit"`
}

// IsZero reports whether no limit is set.
func (l Limit) IsZero() bool { return l.Amount == 0 && l.Unit == "" }

// String writes the limit as the CSV carries it: "4 workhour".
func (l Limit) String() string {
	if l.IsZero() {
		return ""
	}
	return strconv.Itoa(l.Amount) + " " + string(l.Unit)
}

// ParseLimit reads "4 workhour", "4workhour", "4 工作时" or "4工作时". An
// empty string is the zero Limit. It checks the form only; Check checks the
// amount.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Limit{}, nil
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 6 {
		return Limit{}, fmt.Errorf("limit %q: want an amount and a unit, e.g. \"4 workhour\"", s)
	}
	n, _ := strconv.Atoi(s[:i])
	u, err := calendar.ParseUnit(strings.TrimSpace(s[i:]))
	if err != nil {
		return Limit{}, fmt.Errorf("limit %q: %w", s, err)
	}
	return Limit{Amount: n, Unit: u}, nil
}

// Check reports what is wrong with a limit that must be set, as a
// translation key, or "" when it is fine.
func (l Limit) Check() string {
	switch {
	case l.IsZero():
		return "taxonomy.limit_required"
	case l.Unit.MaxAmount() == 0:
		return "taxonomy.limit_unit"
	case l.Amount < 1 || l.Amount > l.Unit.MaxAmount():
		return "taxonomy.limit_amount"
	}
	return ""
}

// UrgencyLimit is an urgency level a category offers beyond Normal, with the
// 处置 limit that replaces the category's own at that level.
type UrgencyLimit struct {
	Level  Urgency `json:"level"`
	Handle Limit   `json:"handle"`
}

// Category is one class of the catalogue: a 部件 or 事件 minor class under
// its major class, with who handles it, when a report of it is filed and
// closed, and how long each stage may take.
type Category struct {
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Code is the two-level class code: 2-digit major class + 2-digit minor
	// class (FACTS §1.3), e.g. "0101". It is unique within a Kind and never
	// changes: cases keep the category's ID, reports and exports its code.
	Code        string `json:"code"`
	MajorName   string `json:"major_name"` // 大类名称, e.g. 公用设施
	MajorNameEN string `json:"major_name_en"`
	Name        string `json:"name"` // 小类名称, e.g. 上水井盖
	NameEN      string `json:"name_en"`
	// DepartmentID is the organisation unit (kind department) that handles
	// cases of this class (责任/处置部门).
	DepartmentID string `json:"department_id"`
	// DepartmentCode and DepartmentName are the department unit's code and
	// name, filled in by the Service when it reads the catalogue; they are
	// not stored.
	DepartmentCode string `json:"department_code,omitempty"`
	DepartmentName string `json:"department_name,omitempty"`
	FileCondition  string `json:"file_condition"`  // 立案条件
	CloseCondition string `json:"close_condition"` // 结案条件
	FileLimit      Limit  `json:"file_limit"`      // 立案时限
	DispatchLimit  Limit  `json:"dispatch_limit"`  // 派遣时限
	HandleLimit    Limit  `json:"handle_limit"`    // 处置时限 at Normal urgency
	VerifyLimit    Limit  `json:"verify_limit"`    // 核查时限
	// Urgencies are the levels offered beyond Normal, in the order of
	// Urgencies(), each with its own 处置 limit.
	Urgencies []UrgencyLimit `json:"urgencies"`
	// Enabled categories are offered for new reports. National categories
	// are disabled, never deleted; no category is ever deleted, since cases
	// refer to it.
	Enabled bool   `json:"enabled"`
	Source  Source `json:"source"`
	// Version counts the category's recorded states: 1 when created, +1 on
	// every change. An edit names the version it was made on, so that two
	// editors cannot overwrite each other unseen.
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"` // account ID, or "system"
}

// Major is the 2-digit major class of the code ("01" of "0101").
func (c Category) Major() string {
	if len(c.Code) < 2 {
		return c.Code
	}
	return c.Code[:2]
}

// Minor is the 2-digit minor class of the code ("02" of "0102").
func (c Category) Minor() string {
	if len(c.Code) < 4 {
		return ""
	}
	return c.Code[2:4]
}

// Key is the category's unique key in the catalogue: kind and code.
func (c Category) Key() string { return Key(c.Kind, c.Code) }

// Key is the catalogue key of a kind and code, e.g. "event:0101".
func Key(k Kind, code string) string { return string(k) + ":" + code }

// Offers reports whether a case of this category may have urgency u.
func (c Category) Offers(u Urgency) bool {
	if u == Normal {
		return true
	}
	for _, l := range c.Urgencies {
		if l.Level == u {
			return true
		}
	}
	return false
}

// Limit returns the limit of a stage at an urgency level: the level's own
// 处置 limit for StageHandle, the category's limit otherwise. A level the
// category does not offer, or an unknown stage, is Invalid.
func (c Category) Limit(stage Stage, u Urgency) (Limit, error) {
	if !c.Offers(u) {
		return Limit{}, apperr.New(apperr.Invalid, "taxonomy.urgency_not_offered").With(map[string]any{"Urgency": string(u), "Code": c.Code})
	}
	switch stage {
	case StageFile:
		return c.FileLimit, nil
	case StageDispatch:
		return c.DispatchLimit, nil
	case StageVerify:
		return c.VerifyLimit, nil
	case StageHandle:
		for _, l := range c.Urgencies {
			if l.Level == u {
				return l.Handle, nil
			}
		}
		return c.HandleLimit, nil
	}
	return Limit{}, apperr.New(apperr.Invalid, "taxonomy.stage_unknown").With(map[string]any{"Stage": string(stage)})
}

// Clone returns a copy that shares no slice with c.
func (c Category) Clone() Category {
	c.Urgencies = append([]UrgencyLimit(nil), c.Urgencies...)
	return c
}

// Length limits of the text fields, in characters.
const (
	MaxName      = 64
	MaxCondition = 1000
)

// ExtensionMajor reports whether a major class code is outside the national
// set and so belongs to the city's extension classes (扩展部件/事件). FACTS
// §1.2 lists component majors 01–06 and event majors 01–05 (the codes are
// SECONDARY or UNVERIFIED there; cities number their extensions from the
// next code, e.g. Jiangyin's "7 大类").
func ExtensionMajor(k Kind, major string) bool {
	n, err := strconv.Atoi(major)
	if err != nil {
		return false
	}
	if k == Event {
		return n > 5
	}
	return n > 6
}

// ValidCode reports whether code is a two-level class code: four digits,
// neither the major nor the minor class 00.
func ValidCode(code string) bool {
	if len(code) != 4 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return code[:2] != "00" && code[2:] != "00"
}

// Validate checks a category on its own, without the rest of the catalogue:
// it returns one FieldError per wrong field (nil when all is well). The
// department's existence and kind are checked by the Service.
func (c Category) Validate() []apperr.FieldError {
	var bad []apperr.FieldError
	add := func(field, key string) { bad = append(bad, apperr.Field(field, key)) }
	if c.Kind != Component && c.Kind != Event {
		add("kind", "taxonomy.kind_invalid")
	}
	switch {
	case !ValidCode(c.Code):
		add("code", "taxonomy.code_invalid")
	case c.Source == National && ExtensionMajor(c.Kind, c.Major()):
		add("code", "taxonomy.code_extension")
	}
	if c.Source != National && c.Source != City {
		add("source", "taxonomy.source_invalid")
	}
	for _, f := range []struct {
		field, value string
		required     bool
		max          int
	}{
		{"major_name", c.MajorName, true, MaxName},
		{"major_name_en", c.MajorNameEN, false, MaxName},
		{"name", c.Name, true, MaxName},
		{"name_en", c.NameEN, false, MaxName},
		{"file_condition", c.FileCondition, false, MaxCondition},
		{"close_condition", c.CloseCondition, false, MaxCondition},
	} {
		if key := checkText(f.value, f.required, f.max); key != "" {
			add(f.field, key)
		}
	}
	if c.DepartmentID == "" {
		add("department", "taxonomy.department_required")
	}
	for _, l := range []struct {
		field string
		limit Limit
	}{{"file_limit", c.FileLimit}, {"dispatch_limit", c.DispatchLimit}, {"handle_limit", c.HandleLimit}, {"verify_limit", c.VerifyLimit}} {
		if key := l.limit.Check(); key != "" {
			add(l.field, key)
		}
	}
	seen := map[Urgency]bool{}
	for _, u := range c.Urgencies {
		field := string(u.Level) + "_handle_limit"
		switch {
		case u.Level != Urgent && u.Level != Critical:
			add("urgencies", "taxonomy.urgency_invalid")
		case seen[u.Level]:
			add(field, "taxonomy.urgency_twice")
		default:
			if key := u.Handle.Check(); key != "" {
				add(field, key)
			} else if u.Handle.Unit == c.HandleLimit.Unit && u.Handle.Amount > c.HandleLimit.Amount {
				// Only comparable in the same unit: a working hour and a
				// calendar hour are not the same length.
				add(field, "taxonomy.urgency_slower")
			}
		}
		seen[u.Level] = true
	}
	return bad
}

// checkText returns a translation key for a bad text field, or "".
func checkText(s string, required bool, max int) string {
	switch {
	case !utf8.ValidString(s):
		return "taxonomy.text_invalid"
	case required && strings.TrimSpace(s) == "":
		return "taxonomy.text_required"
	case utf8.RuneCountInString(s) > max:
		return "taxonomy.text_long"
	}
	for _, r := range s {
		// Line breaks belong in conditions; other control characters
		// nowhere (PostgreSQL refuses a NUL).
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return "taxonomy.text_invalid"
		}
	}
	return ""
}

// CheckChange checks an edit of a stored category (before) into after. The
// kind, code and source are a category's identity and never change; a
// national category keeps its standard names — a city changes its limits,
// department, conditions and whether it is enabled, and adds its own
// classes beside it.
func CheckChange(before, after Category) []apperr.FieldError {
	var bad []apperr.FieldError
	if before.Kind != after.Kind {
		bad = append(bad, apperr.Field("kind", "taxonomy.immutable"))
	}
	if before.Code != after.Code {
		bad = append(bad, apperr.Field("code", "taxonomy.immutable"))
	}
	if before.Source != after.Source {
		bad = append(bad, apperr.Field("source", "taxonomy.immutable"))
	}
	if before.Source == National {
		for _, f := range []struct{ field, b, a string }{
			{"major_name", before.MajorName, after.MajorName}, {"major_name_en", before.MajorNameEN, after.MajorNameEN},
			{"name", before.Name, after.Name}, {"name_en", before.NameEN, after.NameEN},
		} {
			if f.b != f.a {
				bad = append(bad, apperr.Field(f.field, "taxonomy.national_name"))
			}
		}
	}
	return bad
}

// SameContent reports whether two states of a category hold the same
// catalogue content (ignoring ID, version, who changed it and when, and the
// department's display fields).
func SameContent(a, b Category) bool {
	return content(a) == content(b)
}

func content(c Category) string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s|%s|%q|%q|%q|%q|%s|%q|%q|%s|%s|%s|%s|%t|%s", c.Kind, c.Code, c.MajorName, c.MajorNameEN, c.Name, c.NameEN,
		c.DepartmentID, c.FileCondition, c.CloseCondition, c.FileLimit, c.DispatchLimit, c.HandleLimit, c.VerifyLimit, c.Enabled, c.Source)
	for _, u := range c.Urgencies {
		fmt.Fprintf(&s, "|%s=%s", u.Level, u.Handle)
	}
	return s.String()
}

// Stored is the state of a category as the ledger digests it and the
// revision history keeps it: without the display-only department fields.
func Stored(c Category) Category {
	c = c.Clone()
	c.DepartmentCode, c.DepartmentName = "", ""
	return c
}

// MajorConflicts checks that every category of a catalogue names its major
// class as the others of the same kind and major do, for a major class has
// one name. It maps the index (into cats) of each category whose major names
// disagree with the first one of its major class seen to that first one's
// index.
func MajorConflicts(cats []Category) map[int]int {
	first := map[string]int{}
	out := map[int]int{}
	for i, c := range cats {
		k := Key(c.Kind, c.Major())
		j, ok := first[k]
		if !ok {
			first[k] = i
			continue
		}
		if cats[j].MajorName != c.MajorName || cats[j].MajorNameEN != c.MajorNameEN {
			out[i] = j
		}
	}
	return out
}
