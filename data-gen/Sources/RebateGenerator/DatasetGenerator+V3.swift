import RebateEngine

/// The v3 parts of a generated dataset: growth agreements over a prior year of lines, lines in other
/// currencies with their `rates.csv`, and claims. None of it changes the bytes of a dataset generated
/// without the v3 options, so earlier figures stay comparable.
extension DatasetGenerator {
    /// Partners' classes for the prior year: 0 new (no prior lines), 1 growing (prior 3/5 of a year
    /// of 5/4 lines, so about a third more now), 2 flat (4/5), 3 shrinking (all 5/4).
    static func priorYearKeeps(partner p: Int32, line i: Int) -> Bool {
        let keepFifths: UInt64 = [0, 3, 4, 5][Int(p) % 4]
        var x = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 29
        return x % 5 < keepFifths
    }

    /// The generator of the year before, with the same partners, products and currencies.
    var priorYearGenerator: DatasetGenerator {
        var c = configuration
        c.year -= 1
        c.seed ^= 0x5EED_0000
        c.lines = configuration.lines * 5 / 4
        c.priorYear = false
        c.claims = false
        c.isPriorYear = true
        c.badLinesPerMillion = 0
        return DatasetGenerator(c)
    }

    /// Growth agreements: quarterly on amount against the prior year for one partner in eight, of every
    /// class (tiers
    /// 5 -> 1 %, 10 -> 2 %, 20 -> 3 %, so the growing class crosses them), and a yearly one on a fixed
    /// baseline for the biggest partner.
    func makeGrowthAgreements() -> [Agreement] {
        let year = configuration.year
        let d = { (m: Int, day: Int) in CivilDate(year: year, month: m, day: day)! }
        var out: [Agreement] = []
        let percentTiers = [(5, 10_000), (10, 20_000), (20, 30_000)].map {
            Tier(
                fromGrowth: Rate(tenThousandths: Int64($0.0) * 10_000),
                value: .percent(Rate(tenThousandths: Int64($0.1))))
        }
        // One partner in eight, taking the four classes in turn (p % 4 is the class).
        for p in stride(from: 0, to: min(partners.count, 4_000), by: 8).enumerated().map({ $1 + $0 % 4 })
        where p < partners.count {
            var a = Agreement(
                id: "GRO-\(partners[p].id)-\(year)", program: .volume, beneficiary: .partner(partners[p].id),
                start: d(1, 1), end: d(12, 31), settlement: .quarter, basis: .amount,
                tiering: p % 16 == 0 ? .retroactive : .incremental,
                valueKind: .percent, tiers: percentTiers)
            a.growth = Growth(baseline: .priorYear, measure: .percent, pays: p % 32 == 8 ? .increment : .total)
            out.append(a)
        }
        // The biggest partner, on a fixed yearly baseline of 90 % of its expected amount, absolute growth.
        let expected = expectedBasis(0, nil, .amount, days: daysInYear)
        var fixed = Agreement(
            id: "GRF-\(partners[0].id)-\(year)", program: .volume, beneficiary: .partner(partners[0].id),
            start: d(1, 1), end: d(12, 31), settlement: .year, basis: .amount, valueKind: .percent,
            tiers: [
                Tier(from: Money(minorUnits: 0), value: .percent(Rate(tenThousandths: 10_000))),
                Tier(
                    from: Money(minorUnits: max(100, expected / 20 / 100 * 100)),
                    value: .percent(Rate(tenThousandths: 20_000))),
            ])
        fixed.growth = Growth(baseline: .fixed(expected * 9 / 10 / 100 * 100), measure: .absolute)
        out.append(fixed)
        return out
    }

    /// The currency a partner's lines are invoiced in: 0 the book currency, k the k-th listed one.
    func currencyIndex(ofPartner p: Int32) -> Int {
        let list = configuration.currencies
        guard !list.isEmpty else { return 0 }
        switch p % 10 {
        case 3: return 1
        case 7: return list.count > 1 ? 2 : 1
        default: return 0
        }
    }

    /// A currency's daily rates over the dataset's years: weekdays only (Friday's rate holds over the
    /// weekend), a random walk of at most 0.3 % a day around a base, and always a rate on the first day.
    func rates() -> [(code: String, day: CivilDate, rate: ExchangeRate)] {
        let c = configuration
        let first = CivilDate(year: c.priorYear ? c.year - 1 : c.year, month: 1, day: 1)!
        let last = CivilDate(year: c.year + 1, month: 1, day: 31)!
        var out: [(code: String, day: CivilDate, rate: ExchangeRate)] = []
        for (k, currency) in c.currencies.enumerated() {
            var rng = SplitMix64(seed: c.seed, stream: 7, chunk: UInt64(k))
            let base: Int64 = Self.baseRate(currency.code)
            var rate = base
            // With planted bad lines, the last listed currency's rates start a week late, so its lines of
            // the first week are rejected (`no exchange rate`).
            var day = c.badLinesPerMillion > 0 && k == c.currencies.count - 1 ? first.adding(days: 7) : first
            let firstRate = day
            while day <= last {
                let weekday = (Int(day.dayNumber) % 7 + 7 + 4) % 7 // 0 = Sunday
                if day == firstRate || (weekday != 0 && weekday != 6) {
                    out.append((currency.code, day, ExchangeRate(scaled: rate)))
                    let step = Int64(rng.below(61)) - 30 // -0.30 % ... +0.30 %
                    rate = max(base / 2, min(base * 2, rate + rate * step / 10_000))
                }
                day = day.adding(days: 1)
            }
        }
        return out
    }

    /// Book-currency units per unit, scaled by 10^10, for a few codes; 1 for others.
    static func baseRate(_ code: String) -> Int64 {
        switch code {
        case "USD": return 9_200_000_000
        case "GBP": return 11_600_000_000
        case "JPY": return 62_000_000
        case "CHF": return 10_400_000_000
        default: return 10_000_000_000
        }
    }

    /// Whether line `i` of a foreign partner is written in an unlisted currency: with `--bad-lines`, a
    /// quarter of the bad-line rate on top of the other planted lines.
    func plantsUnknownCurrency(_ i: Int) -> Bool {
        let bad = UInt64(configuration.badLinesPerMillion)
        guard bad > 0 else { return false }
        var x = UInt64(truncatingIfNeeded: i) &* 0xD6E8_FEB8_6659_FD93
        x ^= x >> 32
        return x % 1_000_000 < max(1, bad / 4)
    }

    /// `rates.csv` text.
    func ratesCSV() -> [UInt8] {
        var text = "currency,date,rate\n"
        for r in rates() {
            text += "\(r.code),\(r.day),\(r.rate)\n"
        }
        return Array(text.utf8)
    }

    /// A line's amount as invoiced in its partner's currency: the book amount over the currency's
    /// base rate, in its minor units (the rate of the day then converts it back near the book amount).
    func invoicedAmount(_ bookMinor: Int64, currency k: Int) -> Int64 {
        let listed = configuration.currencies[k - 1]
        // book / 10^2 = x / 10^dc × base / 10^10  =>  x = book × 10^(dc + 8) / base
        var scale: Int128 = 1
        for _ in 0..<(listed.decimals + 8) { scale *= 10 }
        let numerator = Int128(bookMinor) * scale
        let base = Int128(Self.baseRate(listed.code))
        // Half away from zero.
        let q = numerator.magnitude / base.magnitude
        let r = numerator.magnitude % base.magnitude
        let rounded = Int128(r * 2 >= base.magnitude ? q + 1 : q)
        return Int64(numerator < 0 ? -rounded : rounded)
    }
}

extension DatasetGenerator {
    /// Writes `claims.csv` beside the dataset: claims for the ended periods of the agreements paid on
    /// claim, from what they really earned (the dataset read back and computed as of the year's end).
    /// Most claims are exact; some are partial, over the earned amount, sent twice, for a period not
    /// yet ended, from the wrong partner, or late. Rows are in the order received (by date).
    /// - Returns: the bytes written.
    func writeClaims(_ folder: String, threads: Int) throws(GeneratorError) -> UInt64 {
        let yearEnd = CivilDate(year: configuration.year, month: 12, day: 31)!
        let report: AccrualReport
        do {
            let loaded = try DatasetLoader.load(folder: folder, threads: threads, columnar: false)
            report = try AccrualEngine.run(loaded.dataset, options: AccrualOptions(asOf: yearEnd, threads: threads))
        } catch {
            throw .io(path: folder, reason: "computing what was earned for the claims: \(error)")
        }
        let onClaim = Set(agreements.agreements.filter { $0.payment == .onClaim }.map(\.id))
        var rng = SplitMix64(seed: configuration.seed, stream: 9, chunk: 0)
        var rows: [(submitted: Int32, text: String)] = []
        var next = 1
        func claimID() -> String {
            defer { next += 1 }
            return "CLM" + String(repeating: "0", count: max(0, 8 - String(next).count)) + String(next)
        }
        func money(_ v: Int128) -> String {
            let m = v.magnitude
            return (v < 0 ? "-" : "") + String(m / 100) + "." + (m % 100 < 10 ? "0" : "") + String(m % 100)
        }
        for s in report.settlements where onClaim.contains(s.agreementID) && s.earned > .zero {
            let r = rng.below(100)
            var beneficiary = s.beneficiary
            var amount = s.earned.minorUnits
            var submitted = s.periodEnd.dayNumber + 5 + Int32(rng.below(36))
            var repeats = 1
            switch r {
            case 0..<70: break // exact
            case 70..<80: amount = max(1, s.earned.minorUnits / 2) // partial
            case 80..<88: amount = s.earned.minorUnits * 6 / 5 + 1 // over-claim
            case 88..<92: repeats = 2 // the same claim sent twice
            case 92..<95: submitted = s.periodEnd.dayNumber - 10 // before the period ended
            case 95..<97: beneficiary = partners[(rng.below(partners.count))].id // the wrong partner, mostly
            default: submitted = s.periodEnd.dayNumber + 120 + Int32(rng.below(60)) // late
            }
            let id = claimID()
            let text =
                "\(id),\(beneficiary),\(s.agreementID),\(s.periodStart),\(s.periodEnd),\(CivilDate(dayNumber: submitted)),\(money(amount))"
            for k in 0..<repeats { rows.append((submitted + Int32(k * 3), text)) }
        }
        // Received in date order; the stable sort keeps a day's claims in the order made.
        let ordered = rows.enumerated().sorted { ($0.element.submitted, $0.offset) < ($1.element.submitted, $1.offset) }
        var csv = "claim_id,beneficiary,agreement_id,period_start,period_end,submitted,amount\n"
        for row in ordered { csv += row.element.text + "\n" }
        let bytes = Array(csv.utf8)
        return try writeFile(folder + "/claims.csv", bytes)
    }
}
