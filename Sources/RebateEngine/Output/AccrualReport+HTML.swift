extension AccrualReport {
    static let programColors: [(RebateProgram, String)] = [
        (.volume, "#3e7cb1"), (.upsell, "#f28e2b"), (.logistics, "#59a14f"), (.crossSell, "#e15759"),
    ]

    /// `report.html`: one self-contained page (inline CSS and SVG, no scripts) for finance.
    ///
    /// It answers "how much do we owe, to whom, and why did it move": control
    /// totals, the liability and postings month by month by program, the
    /// biggest movements of each month, the biggest agreements and
    /// beneficiaries, settlements by period, anomalies and rejects.
    public func html(loaded: LoadedDataset, title: String = "Rebate accruals") -> String {
        html(loaded: loaded, title: title, close: nil)
    }

    /// `report.html`, with the close's section (journal, true-ups, payments) when `close` is given.
    func html(loaded: LoadedDataset, title: String, close: MonthEndClose?) -> String {
        html(context: RunContext(loaded), title: title, close: close)
    }

    /// `report.html` from a run's context (what `merge` has, without a dataset).
    func html(context loaded: RunContext, title: String, close: MonthEndClose?) -> String {
        // One section a method, in page order; each is a self-contained piece of XHTML.
        var h = headerSection(loaded, title: title)
        if let close { h += close.htmlSection() }
        h +=
            monthlySections() + partiesSections() + v3Sections(loaded, claims: close?.claims) + anomaliesSection()
            + rejectsSection(loaded)
        return h + "</body></html>\n"
    }

    /// The title, what was read, and the control totals.
    private func headerSection(_ loaded: RunContext, title: String) -> String {
        let d = decimals
        let cur = currency
        let money = { (v: Money) in HTMLText.money(v, d, cur) }
        let t = loaded.totals
        var h = HTMLText.head(title)
        h += "<h1>\(HTMLText.escape(title))</h1>"
        h +=
            "<p class=\"sub\">\(asOf.map { "As of \($0)" } ?? "All lines known") · \(HTMLText.escape(cur)) · \(loaded.agreementCount) agreements, \(loaded.partnerCount) partners · transactions from \(HTMLText.escape(loaded.transactionsFile))</p>"

        // What we owe: open liability (periods not yet settled) and what was settled.
        let open = openLiability
        h += "<div class=\"cards\">"
        h += HTMLText.card("Open liability (accrued, not settled)", money(open))
        h += HTMLText.card("Settled in ended periods", money(totalSettled))
        h += HTMLText.card("Booked by this run (all postings)", money(totalAccrued))
        h += HTMLText.card("Lines read", HTMLText.grouped(String(t.linesRead)))
        h += HTMLText.card(
            "Accepted / rejected",
            "\(HTMLText.grouped(String(t.linesAccepted))) / <span class=\"\(t.linesRejected > 0 ? "warn" : "")\">\(HTMLText.grouped(String(t.linesRejected)))</span>"
        )
        h += HTMLText.card("Amount accepted", money(t.acceptedAmount))
        h += "</div>"
        h +=
            "<p class=\"note\">Control totals reconcile: lines read \(HTMLText.grouped(String(t.linesRead))) = accepted \(HTMLText.grouped(String(t.linesAccepted))) + rejected \(HTMLText.grouped(String(t.linesRejected))). Amount of rejected lines whose numbers could be read: \(money(t.rejectedAmount)).</p>"

        return h
    }

    /// The liability and postings month by month by program, and each month's biggest movements.
    // One piece: both charts and the movements table share the month index.
    private func monthlySections() -> String {
        let d = decimals
        let cur = currency
        let money = { (v: Money) in HTMLText.money(v, d, cur) }
        var h = ""
        // Month by month, stacked by program.
        let months = Array(Set(accruals.map(\.month))).sorted()
        let labels = months.map(\.monthText)
        let index = Dictionary(uniqueKeysWithValues: months.enumerated().map { ($1, $0) })
        var liability = Dictionary(
            uniqueKeysWithValues: RebateProgram.allCases.map { ($0, [Int128](repeating: 0, count: months.count)) })
        var postings = liability
        for r in accruals {
            let i = index[r.month]!
            postings[r.program]![i] += r.posting.minorUnits
            // Liability at a month's end: what the periods running then have accrued (settled ones stay owed until paid).
            liability[r.program]![i] += r.accruedToDate.minorUnits
        }
        let axis = { (v: Int128) in
            HTMLText.grouped(DecimalText.money(v / Int128(DecimalText.powersOfTen[d]), decimals: 0))
        }
        let series = { (table: [RebateProgram: [Int128]]) in
            Self.programColors.map { (name: $0.0.rawValue, color: $0.1, values: table[$0.0]!) }
        }
        h += "<h2>Accrued liability at each month end, by program</h2>"
        h += StackedBarChart(
            id: "chart-liability", title: "Accrued liability at each month end, stacked by program (\(cur))",
            labels: labels, series: series(liability), axisText: axis
        ).svg()
        h += "<h2>Postings month by month, by program</h2>"
        h +=
            "<p class=\"note\">A posting is the month's change of the accrued liability; bars below zero are releases (returns, tiers lost, periods settled lower).</p>"
        h += StackedBarChart(
            id: "chart-postings", title: "Postings month by month, stacked by program (\(cur))", labels: labels,
            series: series(postings), axisText: axis
        ).svg()
        h += HTMLText.table(
            ["Month"] + RebateProgram.allCases.map(\.rawValue) + ["Total posting"], numeric: Set(1...5),
            rows: months.enumerated().map { i, m in
                [m.monthText] + RebateProgram.allCases.map { money(Money(minorUnits: postings[$0]![i])) } + [
                    money(Money(minorUnits: RebateProgram.allCases.reduce(0) { $0 + postings[$1]![i] }))
                ]
            })

        // Why a month moved: its biggest postings.
        h +=
            "<h2>Biggest movements of each month</h2><p class=\"note\">The five largest postings (in absolute value) of every month, and what drove them.</p>"
        var byMonth: [CivilDate: [AccrualRow]] = [:]
        for r in accruals where r.posting != .zero { byMonth[r.month, default: []].append(r) }
        var moves: [[String]] = []
        for m in months {
            let top = (byMonth[m] ?? []).sorted {
                ($0.posting.minorUnits.magnitude, $1.agreementID) > ($1.posting.minorUnits.magnitude, $0.agreementID)
            }.prefix(5)
            for r in top {
                moves.append([
                    m.monthText, HTMLText.escape(r.agreementID), r.program.rawValue, HTMLText.escape(r.beneficiary),
                    money(r.posting),
                    "tier \(r.tier), basis \(HTMLText.basis(r.basis, d, cur))", money(r.accruedToDate),
                ])
            }
        }
        h += HTMLText.table(
            ["Month", "Agreement", "Program", "Beneficiary", "Posting", "Position at month end", "Accrued to date"],
            numeric: [4, 6], rows: moves)

        return h
    }

    /// The biggest agreements and beneficiaries, and settlements by period end.
    private func partiesSections() -> String {
        let d = decimals
        let cur = currency
        let money = { (v: Money) in HTMLText.money(v, d, cur) }
        var h = ""
        // To whom.
        var byAgreement: [String: (AccrualRow, Money)] = [:]
        var byBeneficiary: [String: Money] = [:]
        for r in accruals {
            byAgreement[r.agreementID, default: (r, .zero)].1 += r.posting
            byBeneficiary[r.beneficiary, default: .zero] += r.posting
        }
        h += "<h2>Biggest agreements</h2>"
        h += HTMLText.table(
            ["Agreement", "Program", "Beneficiary", "Accrued by this run"], numeric: [3],
            rows: byAgreement.sorted { ($0.value.1, $1.key) > ($1.value.1, $0.key) }.prefix(15).map {
                [
                    HTMLText.escape($0.key), $0.value.0.program.rawValue, HTMLText.escape($0.value.0.beneficiary),
                    money($0.value.1),
                ]
            })
        h += "<h2>Biggest beneficiaries</h2>"
        h += HTMLText.table(
            ["Beneficiary", "Accrued by this run"], numeric: [1],
            rows: byBeneficiary.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(15).map {
                [HTMLText.escape($0.key), money($0.value)]
            })

        // Settlements by period end.
        var settledBy: [String: (count: Int, earned: Money)] = [:]
        for s in settlements {
            settledBy[s.periodEnd.monthText, default: (0, .zero)].count += 1
            settledBy[s.periodEnd.monthText]!.earned += s.earned
        }
        h += "<h2>Settlements by period end</h2>"
        h += HTMLText.table(
            ["Period ending in", "Periods settled", "Earned"], numeric: [1, 2],
            rows: settledBy.keys.sorted().map { [$0, String(settledBy[$0]!.count), money(settledBy[$0]!.earned)] })

        return h
    }

    /// The anomalies found, with what triggered them.
    private func anomaliesSection() -> String {
        var h = ""
        // Anomalies.
        h += "<h2>Anomalies (\(anomalies.count))</h2>"
        if anomalies.isEmpty {
            h +=
                "<p class=\"note\">None: no period ended with a negative basis, and no tier was reached by a purchase at period end returned soon after.</p>"
        } else {
            h += HTMLText.table(
                ["Kind", "Agreement", "Beneficiary", "Period", "What triggered it"], numeric: [],
                rows: anomalies.prefix(200).map {
                    [
                        $0.kind.rawValue, HTMLText.escape($0.agreementID), HTMLText.escape($0.beneficiary),
                        "\($0.periodStart) – \($0.periodEnd)", HTMLText.escape($0.detail),
                    ]
                })
            if anomalies.count > 200 {
                h += "<p class=\"note\">… and \(anomalies.count - 200) more in anomalies.csv.</p>"
            }
        }

        return h
    }

    /// The rejected lines, by reason.
    private func rejectsSection(_ loaded: RunContext) -> String {
        var h = ""
        // Rejects, by reason.
        h += "<h2>Rejected lines (\(loaded.rejects.count))</h2>"
        if loaded.rejects.isEmpty {
            h += "<p class=\"note\">Every line was accepted.</p>"
        } else {
            var reasons: [String: (Int, Int)] = [:]
            for r in loaded.rejects {
                for part in r.reason.split(separator: ";") {
                    let key = Self.reasonClass(String(part))
                    reasons[key, default: (0, r.line)].0 += 1
                }
            }
            h += HTMLText.table(
                ["Reason", "Lines", "First line"], numeric: [1, 2],
                rows: reasons.sorted { ($0.value.0, $1.key) > ($1.value.0, $0.key) }.map {
                    [HTMLText.escape($0.key), HTMLText.grouped(String($0.value.0)), String($0.value.1)]
                })
            h +=
                "<p class=\"note\">Every rejected line is in rejects.csv with its line number, reasons and raw text, to be fixed and fed again.</p>"
        }
        return h
    }

    /// Accrued to date of the periods that have not been settled: what is still owed.
    public var openLiability: Money {
        // Rows come agreement by agreement, period by period: the last row of a period holds its latest figure.
        struct Key: Hashable {
            let agreement: String
            let start: Int32
        }
        let settled = Set(settlements.map { Key(agreement: $0.agreementID, start: $0.periodStart.dayNumber) })
        var open = Money.zero
        for (i, r) in accruals.enumerated() {
            let last =
                i + 1 == accruals.count || accruals[i + 1].agreementID != r.agreementID
                || accruals[i + 1].periodStart != r.periodStart
            if last, !settled.contains(Key(agreement: r.agreementID, start: r.periodStart.dayNumber)) {
                open += r.accruedToDate
            }
        }
        return open
    }

    /// A reject reason without the values that vary line by line: `date: "…" is not a date` -> `date: not a date`.
    static func reasonClass(_ reason: String) -> String {
        var out = ""
        var inQuote = false
        for ch in reason.trimmingSpaces() {
            if ch == "\"" {
                inQuote.toggle()
                if inQuote { out += "…" }
                continue
            }
            if !inQuote { out.append(ch) }
        }
        if let r = out.firstRange(of: "duplicate of line ") { return String(out[..<r.upperBound]) + "…" }
        return out.replacingOccurrences(of: "  ", with: " ")
    }
}
