// Package urban is the digital urban management closed loop (数字城管, DESIGN §2.4,
// REQUIREMENTS B1–B8): reports from every channel become cases on the grid, which the
// supervision centre files (立案), the command centre dispatches (派遣) to the responsible
// department, the department handles (处置) and reports back, an inspector verifies on
// site (核查), and the centre closes (结案).
//
// # States and moves
//
// A case is always in exactly one State. It changes only by a Move, and every move is
// checked by one pure function, Check, which answers "may this move be made on this case
// now, and if not, why" from the case alone. Who may make it is identity.Decide's answer
// for the move's Action on the case's Resource. The Service joins the two, computes the
// deadline of the new stage with the statutory calendar, and writes the new state, the
// case's history event and the ledger record in one transaction.
//
//	reported ──file──► filed ──dispatch──► dispatched ──handle──► handled ──verify──► verified ──close──► closed
//	    │                ▲                    │   ▲                   │                                   │
//	    ├─reject─► rejected                   │   └──────rework◄──────┘                                   │
//	    ├─merge──► merged      returned ◄─return┘ (re-dispatched from there)               reopen ◄───────┘
//	    └─void───► void         held ◄─hold (any open state) ─resume─► the state it was held in
//
// Moves that a city wants a shift lead to approve (Config.Approval) do not change the state
// at once: they wait as the case's Pending move until a shift lead approves or denies it. An
// extension (延期) always waits for approval.
//
// # Time
//
// Every stage has a limit from the case's category (立案, 派遣, 处置 and 核查 limits, each
// in its own calendar unit); the deadline of the stage the case is in is StageDue, computed
// by the calendar package when the stage begins. Warnings fire at configurable fractions of
// the stage's time (default 50 % and 80 %), and an overdue case escalates to the shift lead
// and the department.
//
// # Privacy
//
// A resident's name, phone and e-mail are kept apart from the case (Contact) and are read
// only by the intake roles; public views, exports, logs and Open311 never carry them.
package urban
