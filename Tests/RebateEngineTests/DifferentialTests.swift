import Testing
@testable import RebateEngine
import RebateGenerator

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
        let generator = DatasetGenerator(.init(lines: c.lines, partners: 40, products: 60, seed: c.seed, agreementDensity: 2))
        let dataset = generator.makeDataset()
        let asOf = c.asOf.map { CivilDate($0)! }
        let engine = try RebateEngine.run(dataset, options: AccrualOptions(asOf: asOf, threads: 3))
        let baseline = BaselineAccrual.run(dataset, asOf: asOf)
        #expect(engine.accruals.count > 40)
        #expect(Fixture.text(engine.accrualsCSV()) == Fixture.text(baseline.accrualsCSV()))
        #expect(Fixture.text(engine.settlementsCSV()) == Fixture.text(baseline.settlementsCSV()))
        #expect(Fixture.text(engine.statementsCSV()) == Fixture.text(baseline.statementsCSV()))
        let key = { (a: Anomaly) in "\(a.kind.rawValue) \(a.agreementID) \(a.periodStart)" }
        #expect(engine.anomalies.map(key) == baseline.anomalies.map(key))
    }
}

@Suite struct GroupedInputTests {
    @Test func linesAlreadyGroupedByPartnerAreUsedInPlaceWithTheSameResult() throws {
        let dataset = DatasetGenerator(.init(lines: 20_000, partners: 60, products: 60, seed: 11)).makeDataset()
        var grouped = dataset
        let t = dataset.transactions
        let order = (0..<t.count).sorted { (t.partner[$0], $0) < (t.partner[$1], $1) }
        var columns = TransactionColumns(capacity: t.count)
        for i in order { columns.append(partner: t.partner[i], product: t.product[i], date: CivilDate(dayNumber: t.day[i]), quantity: t.quantity[i], amount: t.amount[i]) }
        grouped.transactions = columns
        for asOf in [nil, CivilDate("2026-08-12")] {
            let a = try RebateEngine.run(dataset, options: AccrualOptions(asOf: asOf, threads: 2))
            let b = try RebateEngine.run(grouped, options: AccrualOptions(asOf: asOf, threads: 2))
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
