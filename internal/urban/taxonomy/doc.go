// Package taxonomy is the 部件/事件 catalogue of digital urban management
// (数字城管, FACTS §1.2, §1.3, §1.6): every class a report can be filed
// under, with its handling department, its 立案 and 结案 conditions, the time
// limits of 立案, 派遣, 处置 and 核查 (each an amount in a calendar.Unit), and
// the urgency levels it offers (一般 always; 紧急 and 特急 with their own 处置
// limit). Issue 4, item 1; REQUIREMENTS B1 (standardised discovery and
// handling of 事件 and 部件) and B2 (the demo catalogue has classes for
// municipal utilities, landscaping, sanitation, construction, dust and
// catering fumes); every change is in the full-process record (C3).
//
// The pure core (category.go, csv.go) holds the model and the rules, tested
// without a database: Category.Validate, CheckChange (what a city may change
// of a national class), MajorConflicts, ParseCSV/WriteCSV (UTF-8 with or
// without BOM, GB18030/GBK as Excel in China writes it). The Service
// (service.go) reads and writes through a Store (storage.TaxonomyStore),
// asks identity.Decide, and writes every change with its revision and its
// ledger record in one transaction.
//
// # API for other services
//
// The case workflow and Open311 call, without an actor (the catalogue is
// not secret; the caller has checked its own action):
//
//	svc.Enabled(ctx) ([]Category, error)                 // offered for new reports, kind+code order
//	svc.Category(ctx, id) (Category, error)              // by ID, enabled or not; NotFound
//	svc.ByCode(ctx, kind, "0101") (Category, error)      // by kind and code; NotFound
//	svc.Deadline(ctx, c, stage, urgency, start, hoursAt) (Deadline, error)
//	c.Limit(stage, urgency) (Limit, error); c.Offers(urgency) bool
//
// Lookups are answered from an in-memory copy of the whole catalogue,
// re-read at once after a change on this node and within a minute of a
// change on another. Returned categories are copies.
//
// # Rules
//
//   - A category is keyed by Kind and Code (2-digit major + 2-digit minor);
//     its ID, kind, code and source never change, and it is never deleted
//     (cases refer to it): it is disabled instead.
//   - A national class keeps its standard names; the city changes its
//     department, conditions, limits, urgency levels and enabled flag, and
//     adds its own classes (Source City), which may use extension major
//     classes (ExtensionMajor: 部件 07+, 事件 06+) or free minors of a
//     national major class. A national class may not use an extension major.
//   - Every limit of the four stages is required. An urgency level's 处置
//     limit may not be longer than the Normal one when both are in the same
//     unit.
//   - An import is all or nothing: any problem in any row refuses the file
//     and the report lists every problem with its line. A row identical to
//     the stored category changes nothing; categories missing from the file
//     are left alone.
//
// Reading is identity.ActCategoryView (every role); changing is
// identity.ActCategoryManage (an administrator of the whole tree: one
// catalogue per installation, like the calendar and the grid).
//
// This package must not import storage or web, hold a database handle or
// package-level mutable state, or compute a deadline itself: calendar does.
package taxonomy
