/// What-if on agreements (`rebate compare`): the same lines under two agreement files.
public struct Comparison: Sendable {
    /// One agreement's period under each file; `nil` where the agreement is not in that file.
    public struct Row: Hashable, Sendable {
        /// The agreement's id.
        public var agreementID: String
        /// The rebate program (from the file that has it; the second file's when both do).
        public var program: RebateProgram
        /// The partner or buying-group id.
        public var beneficiary: String
        /// The settlement period's first day.
        public var periodStart: CivilDate
        /// The settlement period's last day.
        public var periodEnd: CivilDate
        /// What the period earns under the first file (ended periods) or has earned to date.
        public var earnedA: Money?
        /// The same under the second file.
        public var earnedB: Money?
        /// `earnedB - earnedA`, an absent side counting as 0.
        public var difference: Money { (earnedB ?? .zero) - (earnedA ?? .zero) }
    }

    /// The currency's minor-unit digits.
    public var decimals: Int
    /// The currency code.
    public var currency: String
    /// The as-of date of both runs, if any.
    public var asOf: CivilDate?
    /// Rows sorted bytewise by agreement, beneficiary and period.
    public var rows: [Row]

    /// Totals by program: under each file and the difference.
    public var totalsByProgram: [(program: RebateProgram, a: Money, b: Money)] {
        RebateProgram.allCases.map { p in
            let rows = self.rows.filter { $0.program == p }
            return (
                p, rows.reduce(.zero) { $0 + ($1.earnedA ?? .zero) }, rows.reduce(.zero) { $0 + ($1.earnedB ?? .zero) }
            )
        }
    }

    /// Compares two accrual reports of the same lines: each period that ended (settlements) or
    /// holds the as-of date (statements, earned to date).
    /// - Complexity: O(rows log rows).
    public init(_ a: AccrualReport, _ b: AccrualReport) {
        decimals = a.decimals
        currency = a.currency
        asOf = a.asOf
        struct Key: Hashable {
            var id: String
            var start: Int32
            var end: Int32
        }
        var rows: [Key: Row] = [:]
        func add(_ r: AccrualReport, _ side: Int) {
            var earned: [Key: (RebateProgram, String, CivilDate, CivilDate, Money)] = [:]
            for s in r.settlements {
                earned[Key(id: s.agreementID, start: s.periodStart.dayNumber, end: s.periodEnd.dayNumber)] =
                    (s.program, s.beneficiary, s.periodStart, s.periodEnd, s.earned)
            }
            for s in r.statements {
                let key = Key(id: s.agreementID, start: s.periodStart.dayNumber, end: s.periodEnd.dayNumber)
                if earned[key] == nil {
                    earned[key] = (s.program, s.beneficiary, s.periodStart, s.periodEnd, s.earnedToDate)
                }
            }
            for (key, e) in earned {
                var row =
                    rows[key]
                    ?? Row(
                        agreementID: key.id, program: e.0, beneficiary: e.1, periodStart: e.2, periodEnd: e.3,
                        earnedA: nil, earnedB: nil)
                if side == 0 {
                    row.earnedA = e.4
                } else {
                    row.earnedB = e.4
                    row.program = e.0
                    row.beneficiary = e.1
                }
                rows[key] = row
            }
        }
        add(a, 0)
        add(b, 1)
        self.rows = rows.values.sorted {
            Bytewise.less(
                [$0.agreementID, $0.beneficiary, $0.periodStart.description, $0.periodEnd.description],
                [$1.agreementID, $1.beneficiary, $1.periodStart.description, $1.periodEnd.description])
        }
    }

    /// The header of `compare.csv`.
    public static let header = "agreement_id,program,beneficiary,period_start,period_end,earned_a,earned_b,difference"

    /// `compare.csv`: an absent side is an empty field.
    public func csv() -> [UInt8] {
        var w = CSVWriter(header: Self.header, capacity: rows.count * 90)
        for r in rows {
            w.text(r.agreementID)
            w.text(r.program.rawValue)
            w.text(r.beneficiary)
            w.date(r.periodStart)
            w.date(r.periodEnd)
            if let v = r.earnedA { w.money(v, decimals: decimals) } else { w.empty() }
            if let v = r.earnedB { w.money(v, decimals: decimals) } else { w.empty() }
            w.money(r.difference, decimals: decimals)
            w.endRow()
        }
        return w.bytes
    }

    /// `compare.html`: totals by program, the biggest differences, every agreement that changed.
    public func html(fileA: String, fileB: String) -> String {
        let money = { (v: Money) in HTMLText.money(v, decimals, currency) }
        let e = HTMLText.escape
        let table = { (header: [String], numeric: Set<Int>, rows: [[String]]) in
            HTMLText.table(header, numeric: numeric, rows: rows)
        }
        var h = HTMLText.head("Agreements compared")
        h += "<h1>Agreements compared</h1>"
        h +=
            "<p class=\"sub\">A: \(e(fileA)) · B: \(e(fileB)) · the same lines · \(asOf.map { "as of \($0)" } ?? "all lines known") · \(e(currency))</p>"
        let totals = totalsByProgram
        let (ta, tb) = totals.reduce((Money.zero, Money.zero)) { ($0.0 + $1.a, $0.1 + $1.b) }
        h += "<h2>Totals by program</h2>"
        h += table(
            ["Program", "Earned under A", "Earned under B", "Difference"], [1, 2, 3],
            totals.map { [$0.program.rawValue, money($0.a), money($0.b), money($0.b - $0.a)] }
                + [["<b>total</b>", "<b>\(money(ta))</b>", "<b>\(money(tb))</b>", "<b>\(money(tb - ta))</b>"]])
        let changed = rows.filter { $0.difference != .zero || ($0.earnedA == nil) != ($0.earnedB == nil) }
        h += "<h2>Biggest differences</h2>"
        let biggest = changed.sorted {
            ($0.difference.minorUnits.magnitude, $1.agreementID) > ($1.difference.minorUnits.magnitude, $0.agreementID)
        }.prefix(25)
        if biggest.isEmpty {
            h += "<p class=\"note\">Both files earn the same in every period.</p>"
        } else {
            h += table(
                ["Agreement", "Program", "Beneficiary", "Period", "A", "B", "Difference"], [4, 5, 6],
                biggest.map {
                    [
                        e($0.agreementID), $0.program.rawValue, e($0.beneficiary),
                        "\($0.periodStart) – \($0.periodEnd)",
                        $0.earnedA.map(money) ?? "not in A", $0.earnedB.map(money) ?? "not in B", money($0.difference),
                    ]
                })
        }
        h +=
            "<p class=\"note\">\(rows.count) periods compared, \(changed.count) differ; every period is in compare.csv.</p>"
        return h + "</body></html>\n"
    }
}
