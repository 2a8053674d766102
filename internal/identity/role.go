// Package identity holds the organisation tree, accounts, roles, sessions,
// API tokens and the one permission function of chengguan. Its rules are pure
// functions over values; persistence sits behind the Store interface, which
// holds no rules.
package identity

// Role is a duty an account holds within an organisation unit (DESIGN §1).
// Residents (公众) are not accounts: they report and track without signing in.
type Role string

// The roles of DESIGN §1.
const (
	RoleOperator      Role = "operator"       // 受理员, supervision centre intake
	RoleShiftLead     Role = "shift_lead"     // 值班长
	RoleInspector     Role = "inspector"      // 监督员/信息采集员
	RoleDepartment    Role = "department"     // 处置部门 handler
	RoleOfficer       Role = "officer"        // 执法队员 (持执法证)
	RoleAuxiliary     Role = "auxiliary"      // 协管员
	RoleLegalReviewer Role = "legal_reviewer" // 法制审核员
	RoleSquadLeader   Role = "squad_leader"   // 中队长/负责人
	RoleSupervisor    Role = "supervisor"     // 督查/领导
	RoleAdmin         Role = "admin"          // 系统管理员
)

// Roles lists every role in display order.
func Roles() []Role {
	return []Role{RoleAdmin, RoleOperator, RoleShiftLead, RoleInspector, RoleDepartment,
		RoleOfficer, RoleAuxiliary, RoleLegalReviewer, RoleSquadLeader, RoleSupervisor}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles() {
		if k == r {
			return true
		}
	}
	return false
}

// LabelKey is the translation key of the role's name.
func (r Role) LabelKey() string { return "role." + string(r) }

// RoleList is a list of roles that renders as translated names in messages.
type RoleList []Role

// LabelKeys returns the translation keys of the roles.
func (l RoleList) LabelKeys() []string {
	out := make([]string, len(l))
	for i, r := range l {
		out[i] = r.LabelKey()
	}
	return out
}

// UnitKind is the kind of an organisation unit.
type UnitKind string

// The organisation tree is 市 → 区/县 → 街道/乡镇 → 社区; squads, centres and
// handling departments hang under a city or district.
const (
	KindCity        UnitKind = "city"        // 市
	KindDistrict    UnitKind = "district"    // 区/县
	KindStreet      UnitKind = "street"      // 街道/乡镇
	KindCommunity   UnitKind = "community"   // 社区
	KindSquad       UnitKind = "squad"       // 中队
	KindSupervision UnitKind = "supervision" // 监督中心
	KindCommand     UnitKind = "command"     // 指挥中心
	KindDepartment  UnitKind = "department"  // 处置部门
)

// UnitKinds lists every kind in display order.
func UnitKinds() []UnitKind {
	return []UnitKind{KindCity, KindDistrict, KindStreet, KindCommunity, KindSquad,
		KindSupervision, KindCommand, KindDepartment}
}

// Valid reports whether k is a known kind.
func (k UnitKind) Valid() bool {
	for _, x := range UnitKinds() {
		if x == k {
			return true
		}
	}
	return false
}

// LabelKey is the translation key of the kind's name.
func (k UnitKind) LabelKey() string { return "unit_kind." + string(k) }

// HasChildKinds reports whether any kind of unit may sit under k.
func (k UnitKind) HasChildKinds() bool {
	for _, c := range UnitKinds() {
		if c.AllowedParent(k) {
			return true
		}
	}
	return false
}

// AllowedParent reports whether a unit of kind k may sit under a unit of kind
// parent. A city is the only root.
func (k UnitKind) AllowedParent(parent UnitKind) bool {
	switch k {
	case KindCity:
		return false
	case KindDistrict:
		return parent == KindCity
	case KindStreet:
		return parent == KindDistrict
	case KindCommunity:
		return parent == KindStreet
	case KindSquad:
		return parent == KindCity || parent == KindDistrict || parent == KindStreet
	case KindSupervision, KindCommand, KindDepartment:
		return parent == KindCity || parent == KindDistrict
	}
	return false
}
