// Package calendar is chengguan's statutory clock: every deadline in the system is computed
// here, in the unit its rule is written in — working days (工作日), working hours (工作时),
// calendar days (自然日) or plain hours — on the official calendar of statutory holidays
// (法定节假日) and make-up working days (调休上班) that the State Council publishes each year.
//
// The rules it implements (domain FACTS §0, §3, §4):
//
//   - For day-based units the start day is not counted (期间开始之日不计算在内).
//   - Periods of the Administrative Penalty Law written as 二日、三日、五日、七日 (Art. 85) and
//     periods of ten days or less in the Administrative Compulsion Law (Art. 69) are working
//     days; the caller chooses the unit, this package only counts.
//   - A calendar-day period whose last day is a rest day ends on the next working day, unless
//     the rule says otherwise (Options.NoRoll).
//   - Working hours are 09:00–12:00 and 13:30–17:30 in Asia/Shanghai unless the organisation
//     unit configures its own (Hours).
//
// The official tables for 2025 and 2026 are embedded (official/*.json) and cross-checked in the
// tests against lunar-go's HolidayUtil. Administrators' edits are stored elsewhere and passed in
// as Year values to New, so they can replace or add years. A computation that scans a date the
// loaded tables do not cover still answers, counting weekends only, but says so: its result is
// Provisional, and the UI must show it as such.
//
// This package must stay a pure core: no database, no HTTP, no CLI, no clock (callers pass
// "now"), no file or network I/O apart from its own embedded tables, no mutable package state.
// It imports only the standard library.
package calendar
