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
