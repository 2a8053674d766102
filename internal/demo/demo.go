// Package demo loads 示范市, the fictional demo city laid over central
// Pingdingshan, Henan. Loading is idempotent: units and accounts that exist
// (by code and username) are left as they are, and the demo unit grid is
// imported only into a database that has no grid yet.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"

	"chengguan/internal/apperr"
	"chengguan/internal/grid"
	"chengguan/internal/identity"
	"chengguan/internal/urban/taxonomy"
)

// CityCode is the code of the demo city's root unit.
const CityCode = "419900"

// Centre is a WGS-84 point inside the demo city (central Pingdingshan).
const (
	CentreLat = 33.7450
	CentreLon = 113.1920
)

type unit struct {
	code, name, nameEN string
	kind               identity.UnitKind
	parent             string // parent code
}

// units is the demo organisation tree, parents first.
func units() []unit {
	return []unit{
		{"419900", "示范市", "Shifan City", identity.KindCity, ""},
		{"419901", "东城区", "Dongcheng District", identity.KindDistrict, "419900"},
		{"419902", "西城区", "Xicheng District", identity.KindDistrict, "419900"},
		{"419901001", "建设路街道", "Jianshe Road Street", identity.KindStreet, "419901"},
		{"419901002", "光明路街道", "Guangming Road Street", identity.KindStreet, "419901"},
		{"419902001", "湛南街道", "Zhannan Street", identity.KindStreet, "419902"},
		{"419902002", "曙光街道", "Shuguang Street", identity.KindStreet, "419902"},
		{"419901001001", "鹰城社区", "Yingcheng Community", identity.KindCommunity, "419901001"},
		{"419901001002", "矿工路社区", "Kuanggong Road Community", identity.KindCommunity, "419901001"},
		{"419901002001", "光明社区", "Guangming Community", identity.KindCommunity, "419901002"},
		{"419901002002", "新华社区", "Xinhua Community", identity.KindCommunity, "419901002"},
		{"419902001001", "湛河社区", "Zhanhe Community", identity.KindCommunity, "419902001"},
		{"419902001002", "南环社区", "Nanhuan Community", identity.KindCommunity, "419902001"},
		{"419902002001", "曙光社区", "Shuguang Community", identity.KindCommunity, "419902002"},
		{"419902002002", "姚孟社区", "Yaomeng Community", identity.KindCommunity, "419902002"},
		{"419901-ZD01", "东城区城管执法中队", "Dongcheng Enforcement Squad", identity.KindSquad, "419901"},
		{"419902-ZD01", "西城区城管执法中队", "Xicheng Enforcement Squad", identity.KindSquad, "419902"},
		{"419900-JDZX", "示范市数字城管监督中心", "Supervision Centre", identity.KindSupervision, "419900"},
		{"419900-ZHZX", "示范市数字城管指挥中心", "Command Centre", identity.KindCommand, "419900"},
		{"419900-HW", "示范市环境卫生管理处", "Sanitation Department", identity.KindDepartment, "419900"},
		{"419900-SZ", "示范市市政工程管理处", "Municipal Works Department", identity.KindDepartment, "419900"},
		{"419900-YL", "示范市园林绿化中心", "Landscaping Department", identity.KindDepartment, "419900"},
		{"419900-RQ", "示范市燃气公司", "Gas Company", identity.KindDepartment, "419900"},
		{"419900-GS", "示范市供水公司", "Water Supply Company", identity.KindDepartment, "419900"},
		{"419900-JT", "示范市交通运输局", "Transport Bureau", identity.KindDepartment, "419900"},
	}
}

// Account is one demo account, as printed for the newcomer.
type Account struct {
	Username    string
	DisplayName string
	Role        identity.Role
	UnitCode    string
}

// Accounts lists one demo account per role.
func Accounts() []Account {
	return []Account{
		{"admin", "王管理", identity.RoleAdmin, "419900"},
		{"operator", "李受理", identity.RoleOperator, "419900-JDZX"},
		{"shiftlead", "张值班", identity.RoleShiftLead, "419900-JDZX"},
		{"inspector", "赵巡查", identity.RoleInspector, "419901001"},
		{"dept", "钱环卫", identity.RoleDepartment, "419900-HW"},
		{"officer", "孙执法", identity.RoleOfficer, "419901-ZD01"},
		{"auxiliary", "周协管", identity.RoleAuxiliary, "419901-ZD01"},
		{"legal", "吴法制", identity.RoleLegalReviewer, "419900"},
		{"squadlead", "郑中队", identity.RoleSquadLeader, "419901-ZD01"},
		{"supervisor", "冯督查", identity.RoleSupervisor, "419900"},
	}
}

// Result counts what a load created.
type Result struct {
	UnitsCreated, AccountsCreated int
	// Passwords of the accounts created by this load, by username. They
	// are stored only as hashes: this is the one time they can be shown.
	Passwords map[string]string
}

// RandomPassword makes a demo password: 12 letters and digits that cannot
// be mistaken for one another, in groups of four (about 60 bits).
func RandomPassword(string) string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 14)
	for i := range b {
		if i == 4 || i == 9 {
			b[i] = '-'
			continue
		}
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

func randIntn(n int) int {
	var one [1]byte
	for {
		if _, err := rand.Read(one[:]); err != nil {
			panic("crypto/rand failed: " + err.Error()) // never fails on supported platforms
		}
		// Reject the top of the range so every letter is equally likely.
		if int(one[0]) < 256-256%n {
			return int(one[0]) % n
		}
	}
}

// Load creates whatever of the demo city is missing. password gives each new
// account its password (RandomPassword in production; tests fix it).
func Load(ctx context.Context, svc *identity.Service, password func(username string) string) (Result, error) {
	sys := identity.System()
	res := Result{Passwords: map[string]string{}}
	ids := map[string]string{}
	for _, u := range units() {
		existing, err := svc.UnitByCode(ctx, sys, u.code)
		if err == nil {
			ids[u.code] = existing.ID
			continue
		}
		if !apperr.Is(err, apperr.NotFound) {
			return res, err
		}
		created, err := svc.CreateUnit(ctx, sys, identity.UnitInput{Code: u.code, Name: u.name, NameEN: u.nameEN,
			Kind: u.kind, ParentID: ids[u.parent]})
		if err != nil {
			return res, fmt.Errorf("demo unit %s: %w", u.code, err)
		}
		ids[u.code] = created.ID
		res.UnitsCreated++
	}
	for _, a := range Accounts() {
		_, err := svc.AccountByUsername(ctx, sys, a.Username)
		if err == nil {
			continue
		}
		if !apperr.Is(err, apperr.NotFound) {
			return res, err
		}
		pw := password(a.Username)
		_, err = svc.CreateAccount(ctx, sys, identity.AccountInput{Username: a.Username, DisplayName: a.DisplayName,
			Password: pw, Assignments: []identity.AssignmentInput{{Role: a.Role, UnitID: ids[a.UnitCode]}}})
		if err != nil {
			return res, fmt.Errorf("demo account %s: %w", a.Username, err)
		}
		res.Passwords[a.Username] = pw
		res.AccountsCreated++
	}
	return res, nil
}

// GridName is the source name of the demo grid's version.
const GridName = "示范市 demo grid"

// LoadGrid imports the demo city's unit grid (grid.DemoGeoJSON) when no grid
// has been imported yet, as the operator; an installation's own grid is
// never replaced by the demo's. It returns the version in force and whether
// this call imported it.
func LoadGrid(ctx context.Context, svc *grid.Service) (grid.Version, bool, error) {
	_, v, err := svc.Current(ctx)
	if err == nil {
		return v, false, nil
	}
	if !apperr.Is(err, apperr.NotFound) {
		return grid.Version{}, false, err
	}
	v, _, err = svc.Import(ctx, identity.System(), GridName, grid.DemoGeoJSON(), grid.Options{})
	if err != nil {
		return grid.Version{}, false, fmt.Errorf("demo grid: %w", err)
	}
	return v, true, nil
}

// AreasName is the source name of the demo responsibility areas' version.
const AreasName = "示范市 demo responsibility areas"

// LoadAreas imports the demo city's responsibility areas (grid.DemoAreasGeoJSON) when none
// have been imported yet, as LoadGrid does the grid. It needs the demo departments (Load
// first). It returns the version in force and whether this call imported it.
func LoadAreas(ctx context.Context, svc *grid.AreaService) (grid.AreaVersion, bool, error) {
	_, v, err := svc.Current(ctx)
	if err == nil {
		return v, false, nil
	}
	if !apperr.Is(err, apperr.NotFound) {
		return grid.AreaVersion{}, false, err
	}
	v, _, err = svc.Import(ctx, identity.System(), AreasName, grid.DemoAreasGeoJSON())
	if err != nil {
		return grid.AreaVersion{}, false, fmt.Errorf("demo responsibility areas: %w", err)
	}
	return v, true, nil
}

// LoadCategories imports the demo city's 部件/事件 catalogue
// (taxonomy.DemoCSV) through the same importer as any city's file, when the
// catalogue is still empty; an installation's own catalogue, or its edits to
// the demo one, are never overwritten. It needs the demo departments
// (Load first). It returns the import report and whether this call
// imported.
func LoadCategories(ctx context.Context, svc *taxonomy.Service) (taxonomy.ImportReport, bool, error) {
	cats, err := svc.List(ctx, identity.System(), taxonomy.Filter{})
	if err != nil {
		return taxonomy.ImportReport{}, false, err
	}
	if len(cats) > 0 {
		return taxonomy.ImportReport{Rows: len(cats), Unchanged: len(cats)}, false, nil
	}
	rep, err := svc.Import(ctx, identity.System(), taxonomy.DemoCSV())
	if err != nil {
		return rep, false, fmt.Errorf("demo categories: %w", err)
	}
	return rep, true, nil
}
