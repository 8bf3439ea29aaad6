import Foundation
import Testing

@testable import RebateEngine

/// `rebate compare`: the same lines under two agreement files.
@Suite struct CompareTests {
    @Test func aChangedRateAndARenamedAgreementAreCompared() throws {
        let original = try String(contentsOfFile: SampleTests.folder + "/agreements.json", encoding: .utf8)
        // B pays 2% instead of 1% below the 1,000.00 threshold, and FIX-P004-2026 is renamed FIX-B.
        let other =
            original
            .replacingOccurrences(of: #"{"from": "0", "percent": "1"}"#, with: #"{"from": "0", "percent": "2"}"#)
            .replacingOccurrences(of: "FIX-P004-2026", with: "FIX-B")
        let dir = Fixture.temporaryFolder()
        try other.write(toFile: dir + "/other.json", atomically: true, encoding: .utf8)
        let c = try CompareJob.run(
            dataset: SampleTests.folder, agreements: dir + "/other.json", outputFolder: dir + "/out",
            options: AccrualOptions(threads: 2))
        let rows = Dictionary(uniqueKeysWithValues: c.rows.map { ("\($0.agreementID) \($0.periodStart)", $0) })
        // Q1: 850.00 bought in C01 (250 + 200 + 500 - 100): 1% = 8.50, 2% = 17.00.
        #expect(rows["VOL-P001-2026 2026-01-01"]?.earnedA == 8_50)
        #expect(rows["VOL-P001-2026 2026-01-01"]?.earnedB == 17_00)
        #expect(rows["VOL-P001-2026 2026-01-01"]?.difference == 8_50)
        // Q2: 1,100.00 reaches the 2.5% tier under both.
        #expect(rows["VOL-P001-2026 2026-04-01"]?.difference == 0)
        // A renamed agreement is one period only in A and one only in B.
        let fixA = try #require(rows["FIX-P004-2026 2026-01-01"])
        let fixB = try #require(rows["FIX-B 2026-01-01"])
        #expect(fixA.earnedB == nil && fixB.earnedA == nil && fixA.earnedA == fixB.earnedB)
        #expect(fixA.difference == -(fixA.earnedA ?? 0))
        // The CSV carries the same figures as two accrue runs' settlements.
        let csv = try String(contentsOfFile: dir + "/out/compare.csv", encoding: .utf8)
        #expect(csv.contains("VOL-P001-2026,volume,P001,2026-01-01,2026-03-31,8.50,17.00,8.50\n"))
        #expect(csv.contains("FIX-B,volume,P004,2026-01-01,2026-12-31,,"))
        let volume = try #require(c.totalsByProgram.first { $0.program == .volume })
        #expect(volume.b - volume.a == 8_50)
        let html = try String(contentsOfFile: dir + "/out/compare.html", encoding: .utf8)
        #expect(XHTMLChecker.check(html) != nil, "compare.html is not well-formed")
        #expect(html.contains("not in A") && html.contains("not in B"))
    }

    @Test func aBadOtherFileIsRefusedWithItsName() throws {
        let dir = Fixture.temporaryFolder()
        try #"{"currency": "EUR", "decimals": 2, "agreements": [{"id": "X"}]}"#.write(
            toFile: dir + "/bad.json", atomically: true, encoding: .utf8)
        do {
            _ = try CompareJob.run(
                dataset: SampleTests.folder, agreements: dir + "/bad.json", outputFolder: dir + "/out",
                options: AccrualOptions(threads: 1))
            Issue.record("expected a refusal")
        } catch {
            #expect(error.exitCode == 2)
            #expect(error.description.contains(dir + "/bad.json: agreements[0]"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
}
