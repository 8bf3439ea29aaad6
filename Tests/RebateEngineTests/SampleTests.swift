import Foundation
import Testing

@testable import RebateEngine

/// The committed sample dataset, with figures worked out by hand.
@Suite struct SampleTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/sample").path

    func report(asOf: String? = nil, threads: Int = 1) throws -> AccrualReport {
        let loaded = try DatasetLoader.load(folder: Self.folder)
        return try AccrualEngine.run(
            loaded.dataset, options: AccrualOptions(asOf: asOf.map { CivilDate($0)! }, threads: threads))
    }

    @Test func handWorkedFigures() throws {
        let r = try report()
        // VOL-P001 Q1: C01 amounts 250 + 200 + 500 - 100 = 850.00 < 1000: 1% = 8.50
        #expect(Fixture.earned(r, "VOL-P001-2026", period: "2026-01-01") == "8.50")
        // VOL-P001 Q2: 500 + 600 = 1100.00 >= 1000: 2.5% = 27.50
        #expect(Fixture.earned(r, "VOL-P001-2026", period: "2026-04-01") == "27.50")
        // UPS-G01 (P002 + P003, SKU-3): 12 + 10 - 2 = 20; incremental above 20 -> slice 0 -> 0.00.
        // In June it stood at 22: 22 * (2/22) * 1.50 = 3.00, reversed in July.
        #expect(Fixture.accrued(r, "UPS-G01-2026", month: "2026-06") == "3.00")
        #expect(Fixture.accrued(r, "UPS-G01-2026", month: "2026-07") == "0.00")
        // LOG-P004 March: 2400 screws / 200 = 12 pallets >= 10: 12 * 7.50 = 90.00
        #expect(Fixture.earned(r, "LOG-P004-H1", period: "2026-03-01") == "90.00")
        // LOG-P004 January starts on the 15th: the 10 January line is out; 900 / 200 = 4 pallets * 5.00 = 20.00
        #expect(Fixture.earned(r, "LOG-P004-H1", period: "2026-01-15") == "20.00")
        // XS-P001 Q1: drill 398.00 * 3% = 11.94, gated on 120 >= 100 screws bought in March.
        #expect(Fixture.earned(r, "XS-P001-2026", period: "2026-01-01") == "11.94")
        #expect(Fixture.accrued(r, "XS-P001-2026", month: "2026-02") == "0.00")
        // FIX-P004: 300 + 675 >= 500 by January: 50.00 once.
        #expect(Fixture.earned(r, "FIX-P004-2026", period: "2026-01-01") == "50.00")
        // GRO-P002 (growth over the prior year, 2% from 10%, 4% from 40%): Q2 bought 2388.00 against
        // 1990.00 on 10 May 2025: growth 398 / 1990 = 20% -> tier 1: 2% of 2388.00 = 47.76.
        #expect(Fixture.earned(r, "GRO-P002-2026", period: "2026-04-01") == "47.76")
        let q2 = try #require(r.settlements.first { $0.agreementID == "GRO-P002-2026" && $0.tier == 1 })
        #expect(q2.growth == GrowthFigures(.amount, baseline: 199_000, growth: 200_000, measure: .percent))
        // April has no line in either year: B0 = 0, growth undefined, nothing earned.
        let april = try #require(
            r.accruals.first { $0.agreementID == "GRO-P002-2026" && $0.month.monthText == "2026-04" })
        #expect(april.growth == GrowthFigures(.amount, baseline: 0, growth: nil, measure: .percent))
        #expect(april.accruedToDate == 0)
        // Q3: -398.00 on 1 July, +125.00 on 30 September, against 150.00 on 20 August 2025:
        // (-273 - 150) / 150 = -282% -> nothing, and a negative basis.
        #expect(Fixture.earned(r, "GRO-P002-2026", period: "2026-07-01") == "0.00")
        // Gaming in VOL-P001 Q2 (600 on 28 June, 500 returned 5 July); negative Q3 in GRO, VOL and XS.
        #expect(
            r.anomalies.map { "\($0.kind.rawValue) \($0.agreementID) \($0.periodStart)" } == [
                "negative_basis GRO-P002-2026 2026-07-01", "negative_basis VOL-P001-2026 2026-07-01",
                "negative_basis XS-P001-2026 2026-07-01", "tier_gaming VOL-P001-2026 2026-04-01",
            ])
        // Total: 8.50 + 27.50 + 3.00 - 3.00 ... = settled 8.50 + 27.50 + 20 + 90 + 11.94 + 50 + 47.76 = 255.70
        #expect(r.totalSettled == 25_570)
        #expect(r.totalAccrued == 25_570)
    }

    @Test func forecastMidQuarter() throws {
        // As of 2026-03-15, XS-P001 Q1 (D = 90, e = 74): gate 120 * 90/74 >= 100; earned 398.00 * 3% = 11.94;
        // run-rate R(k*A) = 398.00 * 90/74 * 3% = 14.5216 -> 14.52
        let r = try report(asOf: "2026-03-15")
        let s = try #require(r.statements.first { $0.agreementID == "XS-P001-2026" })
        #expect(s.earnedToDate == 1194)
        #expect(s.forecastEarned == 1452)
        // VOL-P001 Q1 as of 15 March: 950.00 (the return of 28 March is not yet known) -> 9.50;
        // run-rate 950 * 90/74 = 1155.4 >= 1000: 2.5% of it = 28.885 -> 28.89
        let v = try #require(r.statements.first { $0.agreementID == "VOL-P001-2026" })
        #expect(v.earnedToDate == 950)
        #expect(v.forecastEarned == 2889)
        #expect(v.toNextTier == Volume(Money(minorUnits: 5000)))
    }
}

/// Outputs do not depend on the order of lines or the number of threads.
@Suite struct MetamorphicTests {
    func outputs(_ folder: String, threads: Int, asOf: String? = nil) throws -> [[UInt8]] {
        let loaded = try DatasetLoader.load(folder: folder)
        let r = try AccrualEngine.run(
            loaded.dataset, options: AccrualOptions(asOf: asOf.map { CivilDate($0)! }, threads: threads))
        return [r.accrualsCSV(), r.settlementsCSV(), r.statementsCSV(), r.anomaliesCSV()]
    }

    /// A copy of `folder` with its transaction lines in a shuffled order.
    func shuffled(_ folder: String, seed: UInt64) throws -> String {
        let dir = Fixture.temporaryFolder()
        for name in ["partners.csv", "products.csv", "agreements.json"] {
            try FileManager.default.copyItem(atPath: folder + "/" + name, toPath: dir + "/" + name)
        }
        let text = try String(contentsOfFile: folder + "/transactions.csv", encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        var rng = SplitMix(seed: seed)
        lines.shuffle(using: &rng)
        try ([header] + lines).joined(separator: "\r\n").write(
            toFile: dir + "/transactions.csv", atomically: true, encoding: .utf8)
        return dir
    }

    @Test(arguments: [nil, "2026-03-15", "2026-06-30"])
    func shuffledLinesAndThreadCountsGiveIdenticalBytes(asOf: String?) throws {
        let base = try outputs(SampleTests.folder, threads: 1, asOf: asOf)
        for threads in [2, 7] {
            #expect(try outputs(SampleTests.folder, threads: threads, asOf: asOf) == base)
        }
        for seed in UInt64(1)...3 {
            #expect(try outputs(try shuffled(SampleTests.folder, seed: seed), threads: 7, asOf: asOf) == base)
        }
    }
}

/// A small deterministic generator for tests (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
