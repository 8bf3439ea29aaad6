import RebateGenerator
import Testing

@testable import RebateEngine

/// The engine against the straightforward baseline (a second, independent path)
/// on generated datasets that use every program and option.
@Suite struct DifferentialTests {
    static let cases: [(seed: UInt64, lines: Int, asOf: String?)] = [
        (1, 6_000, nil), (2, 6_000, "2026-05-17"), (3, 9_000, "2026-09-30"), (4, 4_000, "2026-02-28"),
        (5, 7_000, "2026-12-31"), (6, 5_000, "2026-03-15"),
    ]

    @Test(arguments: cases.indices)
    func engineAgreesWithTheBaseline(_ index: Int) throws {
        let c = Self.cases[index]
        let generator = DatasetGenerator(
            .init(lines: c.lines, partners: 40, products: 60, seed: c.seed, agreementDensity: 2))
        let dataset = generator.makeDataset()
        let asOf = c.asOf.map { CivilDate($0)! }
        let engine = try AccrualEngine.run(dataset, options: AccrualOptions(asOf: asOf, threads: 3))
        let baseline = BaselineAccrual.run(dataset, asOf: asOf)
        #expect(engine.accruals.count > 40)
        #expect(Fixture.text(engine.accrualsCSV()) == Fixture.text(baseline.accrualsCSV()))
        #expect(Fixture.text(engine.settlementsCSV()) == Fixture.text(baseline.settlementsCSV()))
        #expect(Fixture.text(engine.statementsCSV()) == Fixture.text(baseline.statementsCSV()))
        let key = { (a: Anomaly) in "\(a.kind.rawValue) \(a.agreementID) \(a.periodStart)" }
        #expect(engine.anomalies.map(key) == baseline.anomalies.map(key))
    }
}

@Suite struct PieceTests {
    /// Partitions cut into pieces of a few lines (a partner's lines too) give the same bytes.
    @Test func cuttingPartnersIntoPiecesChangesNothing() throws {
        let dataset = DatasetGenerator(.init(lines: 15_000, partners: 50, products: 60, seed: 21, agreementDensity: 2))
            .makeDataset()
        for asOf in [nil, CivilDate("2026-09-03")] {
            let whole = try AccrualEngine.run(dataset, options: AccrualOptions(asOf: asOf, threads: 1))
            for pieceLines in [1, 7, 500] {
                var options = AccrualOptions(asOf: asOf, threads: 3)
                options.pieceLines = pieceLines
                let cut = try AccrualEngine.run(dataset, options: options)
                #expect(cut.accrualsCSV() == whole.accrualsCSV())
                #expect(cut.settlementsCSV() == whole.settlementsCSV())
                #expect(cut.statementsCSV() == whole.statementsCSV())
                #expect(cut.anomaliesCSV() == whole.anomaliesCSV())
            }
        }
    }

    @Test func piecesCoverEveryLineOnce() throws {
        let dataset = DatasetGenerator(.init(lines: 5_000, partners: 30, products: 40, seed: 22)).makeDataset()
        let resolved = try ResolvedAgreement.resolve(dataset)
        let plan = PartitionPlan(dataset: dataset, agreements: resolved, asOf: nil, threads: 2)
        for limit in [1, 3, 64, 1 << 20] {
            let pieces = plan.pieces(limit: limit)
            #expect(Set(pieces.map(\.partition)) == Set(0..<plan.partitionCount))
            for p in 0..<plan.partitionCount {
                let lines = pieces.filter { $0.partition == p }.flatMap { $0.runs.flatMap { Array($0.lines) } }
                #expect(lines.count == Set(lines).count)
                #expect(lines.count == plan.lineCount(ofPartition: p))
            }
            #expect(pieces.allSatisfy { $0.lineCount <= limit || $0.runs.count == 1 && limit < 1 })
        }
    }
}

@Suite struct GroupedInputTests {
    @Test func linesAlreadyGroupedByPartnerAreUsedInPlaceWithTheSameResult() throws {
        let dataset = DatasetGenerator(.init(lines: 20_000, partners: 60, products: 60, seed: 11)).makeDataset()
        var grouped = dataset
        let t = dataset.transactions
        let order = (0..<t.count).sorted { (t.partner[$0], $0) < (t.partner[$1], $1) }
        var columns = TransactionColumns(capacity: t.count)
        for i in order {
            columns.append(
                partner: t.partner[i], product: t.product[i], day: t.day[i], quantity: t.quantity[i],
                amount: t.amount[i])
        }
        grouped.transactions = columns
        for asOf in [nil, CivilDate("2026-08-12")] {
            let a = try AccrualEngine.run(dataset, options: AccrualOptions(asOf: asOf, threads: 2))
            let b = try AccrualEngine.run(grouped, options: AccrualOptions(asOf: asOf, threads: 2))
            #expect(a.inputWasCopied)
            #expect(!b.inputWasCopied)
            #expect(a.accrualsCSV() == b.accrualsCSV())
            #expect(a.settlementsCSV() == b.settlementsCSV())
            #expect(a.statementsCSV() == b.statementsCSV())
            #expect(a.anomaliesCSV() == b.anomaliesCSV())
            #expect(a.linesAfterAsOf == b.linesAfterAsOf)
        }
    }
}

/// Random agreements of every shape against the baseline: combinations no template has
/// (incremental per pallet with a cap and a forecast, gates on pallet agreements, odd dates).
@Suite struct RandomAgreementTests {
    /// Runs the engine and the baseline on `dataset` and expects the same CSV bytes and anomalies.
    /// - Returns: the engine's report, for checks that the case is not vacuous.
    static func expectEngineEqualsBaseline(_ dataset: Dataset, asOf: CivilDate?) throws -> AccrualReport {
        let engine = try AccrualEngine.run(dataset, options: AccrualOptions(asOf: asOf, threads: 2))
        let baseline = BaselineAccrual.run(dataset, asOf: asOf)
        #expect(Fixture.text(engine.accrualsCSV()) == Fixture.text(baseline.accrualsCSV()))
        #expect(Fixture.text(engine.settlementsCSV()) == Fixture.text(baseline.settlementsCSV()))
        #expect(Fixture.text(engine.statementsCSV()) == Fixture.text(baseline.statementsCSV()))
        let key = { (a: Anomaly) in "\(a.kind.rawValue) \(a.agreementID) \(a.periodStart)" }
        #expect(engine.anomalies.map(key) == baseline.anomalies.map(key))
        return engine
    }

    static func randomAgreements(_ g: DatasetGenerator, seed: UInt64, count: Int) -> [Agreement] {
        var rng = SplitMix(seed: seed)
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let groups = Array(Set(g.partners.compactMap(\.groupID))).sorted()
        let categories = Array(Set(g.products.map(\.category))).sorted()
        var out: [Agreement] = []
        for i in 0..<count {
            let basis = pick(RebateBasis.allCases)
            let kind = pick(TierValueKind.allCases)
            let tiering = pick(Tiering.allCases)
            // Thresholds spread over what a partner might buy in a period.
            let unit: Int64 = basis == .amount ? 100 : 1000
            var from: Int64 = rng.next() % 3 == 0 ? 0 : Int64(rng.next() % 50) * unit
            var tiers: [Tier] = []
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let value: Int64 = kind == .fixed ? Int64(rng.next() % 50_000) : Int64(rng.next() % 60_000)
                tiers.append(Tier(from: from, value: value))
                from += Int64(1 + rng.next() % 400) * unit * (basis == .amount ? 50 : 1)
            }
            let startMonth = 1 + Int(rng.next() % 12)
            let startDay = 1 + Int(rng.next() % 28)
            let start = CivilDate(year: pick([2025, 2026, 2026, 2026]), month: startMonth, day: startDay)!
            let end = start.adding(days: 20 + Int(rng.next() % 500))
            let beneficiary: Beneficiary =
                rng.next() % 3 == 0 && !groups.isEmpty
                ? .group(pick(groups))
                : .partner(g.partners[Int(rng.next() % UInt64(min(40, g.partners.count)))].id)
            let scope: ProductScope? =
                rng.next() % 3 == 0
                ? nil
                : ProductScope(
                    categories: [pick(categories)], products: rng.next() % 2 == 0 ? [pick(g.products).id] : [])
            var gates: [Gate] = []
            for _ in 0..<Int(rng.next() % 3) where rng.next() % 2 == 0 {
                let byQuantity = rng.next() % 2 == 0
                gates.append(
                    Gate(
                        scope: ProductScope(categories: [pick(categories)]), measure: byQuantity ? .quantity : .amount,
                        minimum: Int64(rng.next() % 200) * (byQuantity ? 1000 : 10_000)))
            }
            out.append(
                Agreement(
                    id: "R\(seed)-\(i)",
                    program: basis == .pallets ? .logistics : gates.isEmpty ? pick([.volume, .upsell]) : .crossSell,
                    beneficiary: beneficiary, scope: scope, start: start, end: end,
                    settlement: pick(SettlementFrequency.allCases), basis: basis, tiering: tiering, valueKind: kind,
                    tiers: tiers, cap: rng.next() % 3 == 0 ? Money(minorUnits: Int64(rng.next() % 500_000)) : nil,
                    gates: gates,
                    accrual: pick(AccrualMethod.allCases)))
        }
        return out
    }

    @Test(arguments: [UInt64(101), 102, 103, 104, 105, 106, 107, 108])
    func randomAgreementsAgreeWithTheBaseline(seed: UInt64) throws {
        let g = DatasetGenerator(.init(lines: 12_000, partners: 40, products: 60, year: 2026, seed: seed))
        var dataset = g.makeDataset()
        dataset.agreements = AgreementSet(
            currency: "EUR", decimals: 2, agreements: Self.randomAgreements(g, seed: seed, count: 40))
        for asOf in [nil, CivilDate(year: 2026, month: 1 + Int(seed % 12), day: 1 + Int(seed % 27))] {
            let engine = try RandomAgreementTests.expectEngineEqualsBaseline(dataset, asOf: asOf)
            if asOf == nil {
                #expect(engine.settlements.contains { $0.earned > 0 })
                #expect(engine.accruals.count > 300)
                #expect(Set(engine.accruals.map(\.agreementID)).count == 40)
            }
        }
    }
}

/// Growth agreements of every combination (prior year or a fixed baseline, percent or absolute,
/// total or increment, retroactive or incremental, forecast, gates, caps, groups) against the
/// baseline's literal reading of SPEC section 10, byte for byte.
@Suite struct RandomGrowthTests {
    static let dataset: Dataset = {
        var c = DatasetGenerator.Configuration(lines: 12_000, partners: 40, products: 60, seed: 31)
        c.priorYear = true
        let dir = Fixture.temporaryFolder()
        _ = try! DatasetGenerator(c).write(to: dir, threads: 2)
        return try! DatasetLoader.load(folder: dir, threads: 2, columnar: false).dataset
    }()

    static func growthAgreements(seed: UInt64) -> [Agreement] {
        let g = DatasetGenerator(.init(lines: 12_000, partners: 40, products: 60, seed: 31))
        var rng = SplitMix(seed: seed &* 7919)
        var out: [Agreement] = []
        for var a in RandomAgreementTests.randomAgreements(g, seed: seed, count: 30) {
            let measure: Growth.Measure = rng.next() % 2 == 0 ? .percent : .absolute
            let unit: Int128 = a.basis == .amount ? 100 : 1000
            let baseline: Growth.Baseline =
                rng.next() % 3 == 0 ? .fixed(Int64(rng.next() % 400) * Int64(unit) * 50) : .priorYear
            let pays: Growth.Pays = a.tiering == .retroactive && rng.next() % 2 == 0 ? .increment : .total
            a.growth = Growth(baseline: baseline, measure: measure, pays: pays)
            if measure == .percent {
                // Percent thresholds ascending from 0 % or more, with up to 4 decimals.
                var from = Int64(rng.next() % 3 == 0 ? 0 : rng.next() % 20) * 10_000
                for i in a.tiers.indices {
                    a.tiers[i] = Tier(from: from, value: a.tiers[i].value)
                    from += Int64(1 + rng.next() % 30) * 10_000 + Int64(rng.next() % 10_000)
                }
            }
            if a.settlement == .term, a.end.dayNumber - a.start.dayNumber + 1 > 366 { a.settlement = .quarter }
            out.append(a)
        }
        return out
    }

    @Test(arguments: [UInt64(201), 202, 203, 204, 205, 206])
    func randomGrowthAgreementsAgreeWithTheBaseline(seed: UInt64) throws {
        var dataset = Self.dataset
        dataset.agreements = AgreementSet(currency: "EUR", decimals: 2, agreements: Self.growthAgreements(seed: seed))
        for asOf in [nil, CivilDate(year: 2026, month: 1 + Int(seed % 12), day: 1 + Int(seed % 27))] {
            let engine = try RandomAgreementTests.expectEngineEqualsBaseline(dataset, asOf: asOf)
            if asOf == nil {
                // The cases are not vacuous: growth agreements earn, and some have a baseline.
                #expect(engine.settlements.contains { $0.earned > 0 })
                #expect(engine.settlements.contains { ($0.growth?.baseline.scaled ?? 0) > 0 })
            }
        }
    }

    /// `explain` works a growth agreement's month out by its own path (one scan of the lines for the
    /// period and the prior-year window): its figures must be those of `accruals.csv`.
    @Test(arguments: [UInt64(211), 212])
    func explainGivesTheGrowthFiguresOfAccrualsCSV(seed: UInt64) throws {
        var dataset = Self.dataset
        dataset.agreements = AgreementSet(currency: "EUR", decimals: 2, agreements: Self.growthAgreements(seed: seed))
        let asOf = CivilDate(year: 2026, month: 11, day: 12)
        let report = try AccrualEngine.run(dataset, options: AccrualOptions(asOf: asOf, threads: 2))
        var pick = SplitMix(seed: seed)
        var withBaseline = 0
        for _ in 0..<40 {
            let row = report.accruals[Int(pick.next() % UInt64(report.accruals.count))]
            let x = try Explanation.compute(
                dataset, agreementID: row.agreementID, month: row.month, asOf: asOf, lineLimit: 3, threads: 2)
            let context = "seed \(seed): \(row.agreementID) \(row.month.monthText)"
            #expect(x.accruedToDate == row.accruedToDate && x.posting == row.posting, "\(context)")
            #expect(x.basis == row.basis && x.tier == row.tier, "\(context)")
            #expect(x.growth?.figures == row.growth, "\(context)")
            if (row.growth?.baseline.scaled ?? 0) > 0 { withBaseline += 1 }
            // The text shows the baseline and a growth tier line for every tier.
            let text = x.text
            #expect(text.contains("Baseline B0"), "\(context)")
            #expect(text.components(separatedBy: "from growth of").count - 1 == x.agreement.tiers.count, "\(context)")
        }
        #expect(withBaseline > 0)
    }
}
