package identity

// Action is something an actor may try to do. Every action is declared here,
// with its kind and the roles that may perform it, so that Decide can answer
// for it and the tests can enumerate it.
type Action string

// ActionKind groups actions by the gates that apply to them.
type ActionKind int

const (
	// KindAdministration covers the organisation tree, accounts and keys.
	KindAdministration ActionKind = iota + 1
	// KindSelf covers what any signed-in account may do to itself.
	KindSelf
	// KindEnforcement covers every act of administrative enforcement
	// (执法行为). Auxiliary staff are refused all of them (DESIGN §1, FACTS §5.2).
	KindEnforcement
	// KindCaseWork covers the moves of the digital urban management closed
	// loop (数字城管案件办理). Administrators are refused all of them
	// (DESIGN §1: an administrator never acts on cases).
	KindCaseWork
)

// Administration actions.
const (
	ActUnitView            Action = "unit.view"
	ActUnitCreate          Action = "unit.create"
	ActUnitUpdate          Action = "unit.update"
	ActAccountView         Action = "account.view"
	ActAccountCreate       Action = "account.create"
	ActAccountUpdate       Action = "account.update"
	ActAccountDisable      Action = "account.disable"
	ActAccountResetPass    Action = "account.reset_password"
	ActAccountAssignRoles  Action = "account.assign_roles"
	ActAccountUnlock       Action = "account.unlock"
	ActAccountRevokeAccess Action = "account.revoke_access"
	ActOpen311KeyManage    Action = "open311_key.manage"
	ActCalendarEdit        Action = "calendar.edit"   // enter a year's official holiday table
	ActLedgerVerify        Action = "ledger.verify"   // check the whole full-process record
	ActCategoryView        Action = "category.view"   // read the 部件/事件 catalogue
	ActCategoryManage      Action = "category.manage" // import, extend and edit the catalogue
	// Personnel (执法人员管理): the roster is read by those who lead and
	// supervise staff; the personnel administrator (the 系统管理员 role)
	// keeps it and alone sees ID and phone numbers in full.
	ActPersonnelView          Action = "personnel.view"
	ActPersonnelManage        Action = "personnel.manage"
	ActPersonnelViewSensitive Action = "personnel.view_sensitive"
)

// Self-service actions.
const (
	ActSelfView     Action = "self.view"
	ActSelfTokens   Action = "self.tokens"
	ActSelfPassword Action = "self.password"
)

// Enforcement actions (执法行为). The penalty and compulsory-measure
// capabilities call Decide with these; the personnel gates (certificate,
// two-officer rule) are added to Decide's checks as those capabilities land.
const (
	ActPenaltyFile        Action = "penalty.file"         // 立案
	ActPenaltyInvestigate Action = "penalty.investigate"  // 调查取证
	ActPenaltySummary     Action = "penalty.summary"      // 当场处罚 (简易程序)
	ActPenaltyDecide      Action = "penalty.decide"       // 作出处罚决定
	ActPenaltySign        Action = "penalty.sign"         // 签署执法文书
	ActCompulsorySeize    Action = "compulsory.seize"     // 查封、扣押
	ActCompulsoryApprove  Action = "compulsory.approve"   // 批准强制措施
	ActLegalReview        Action = "penalty.legal_review" // 法制审核
)

// Case-work actions of the 数字城管 closed loop (internal/urban).
const (
	ActCaseView     Action = "case.view"     // see cases and their history
	ActCaseReport   Action = "case.report"   // 上报 / 热线录入
	ActCaseFile     Action = "case.file"     // 立案, 不予立案, 合并重复
	ActCaseDispatch Action = "case.dispatch" // 派遣, re-dispatch after 回退
	ActCaseHandle   Action = "case.handle"   // 处置反馈, 回退, 申请延期
	ActCaseVerify   Action = "case.verify"   // 核查 on site
	ActCaseClose    Action = "case.close"    // 结案, 回访, reopening
	ActCaseApprove  Action = "case.approve"  // 值班长: approve or deny, 挂账, 作废, 延期
	ActCaseContact  Action = "case.contact"  // read a resident reporter's contact details
)

type actionRule struct {
	kind  ActionKind
	roles []Role // roles that grant the action; empty for KindSelf
}

// Actions lists every declared action.
func Actions() []Action {
	return []Action{
		ActUnitView, ActUnitCreate, ActUnitUpdate,
		ActAccountView, ActAccountCreate, ActAccountUpdate, ActAccountDisable,
		ActAccountResetPass, ActAccountAssignRoles, ActAccountUnlock, ActAccountRevokeAccess,
		ActOpen311KeyManage, ActCalendarEdit, ActLedgerVerify, ActCategoryView, ActCategoryManage,
		ActPersonnelView, ActPersonnelManage, ActPersonnelViewSensitive,
		ActSelfView, ActSelfTokens, ActSelfPassword,
		ActPenaltyFile, ActPenaltyInvestigate, ActPenaltySummary, ActPenaltyDecide,
		ActPenaltySign, ActCompulsorySeize, ActCompulsoryApprove, ActLegalReview,
		ActCaseView, ActCaseReport, ActCaseFile, ActCaseDispatch, ActCaseHandle, ActCaseVerify,
		ActCaseClose, ActCaseApprove, ActCaseContact,
	}
}

// ruleOf is the role × action table. It is a switch rather than a map so that
// it cannot be changed at run time.
func ruleOf(a Action) (actionRule, bool) {
	admin := []Role{RoleAdmin}
	switch a {
	case ActLedgerVerify:
		// Audit (督查) and administration both check the record's integrity.
		return actionRule{KindAdministration, []Role{RoleAdmin, RoleSupervisor}}, true
	case ActCategoryView:
		// Every member of staff files, dispatches or handles by category.
		return actionRule{KindAdministration, Roles()}, true
	case ActUnitView:
		// Every member of staff sees the organisation of their own
		// jurisdiction: where they work and what lies under it.
		return actionRule{KindAdministration, Roles()}, true
	case ActPersonnelView:
		return actionRule{KindAdministration, []Role{RoleAdmin, RoleSupervisor, RoleSquadLeader}}, true
	case ActPersonnelManage, ActPersonnelViewSensitive:
		return actionRule{KindAdministration, admin}, true
	case ActAccountView:
		return actionRule{KindAdministration, []Role{RoleAdmin, RoleSupervisor, RoleSquadLeader}}, true
	case ActUnitCreate, ActUnitUpdate, ActAccountCreate, ActAccountUpdate, ActAccountDisable,
		ActAccountResetPass, ActAccountAssignRoles, ActAccountUnlock, ActAccountRevokeAccess,
		ActOpen311KeyManage, ActCalendarEdit, ActCategoryManage:
		return actionRule{KindAdministration, admin}, true
	case ActSelfView, ActSelfTokens, ActSelfPassword:
		return actionRule{KindSelf, nil}, true
	case ActPenaltyFile, ActPenaltySign:
		return actionRule{KindEnforcement, []Role{RoleOfficer, RoleSquadLeader}}, true
	case ActPenaltyInvestigate, ActPenaltySummary, ActCompulsorySeize:
		return actionRule{KindEnforcement, []Role{RoleOfficer}}, true
	case ActPenaltyDecide, ActCompulsoryApprove:
		return actionRule{KindEnforcement, []Role{RoleSquadLeader}}, true
	case ActLegalReview:
		return actionRule{KindEnforcement, []Role{RoleLegalReviewer}}, true
	case ActCaseView:
		return actionRule{KindCaseWork, []Role{RoleOperator, RoleShiftLead, RoleInspector, RoleDepartment, RoleSupervisor}}, true
	case ActCaseReport:
		// Patrol and information collection are auxiliary staff's work too
		// (FACTS §5.2); reporting is not an enforcement act.
		return actionRule{KindCaseWork, []Role{RoleInspector, RoleOperator, RoleOfficer, RoleAuxiliary}}, true
	case ActCaseFile, ActCaseDispatch, ActCaseClose:
		return actionRule{KindCaseWork, []Role{RoleOperator, RoleShiftLead}}, true
	case ActCaseHandle:
		return actionRule{KindCaseWork, []Role{RoleDepartment}}, true
	case ActCaseVerify:
		return actionRule{KindCaseWork, []Role{RoleInspector}}, true
	case ActCaseApprove:
		return actionRule{KindCaseWork, []Role{RoleShiftLead}}, true
	case ActCaseContact:
		return actionRule{KindCaseWork, []Role{RoleOperator, RoleShiftLead}}, true
	}
	return actionRule{}, false
}

// Kind returns the action's kind; zero for an undeclared action.
func (a Action) Kind() ActionKind {
	r, _ := ruleOf(a)
	return r.kind
}

// GrantedBy lists the roles that may perform a.
func (a Action) GrantedBy() []Role {
	r, _ := ruleOf(a)
	return append([]Role(nil), r.roles...)
}
