import Foundation
import RebateGenerator
import Testing

@testable import RebateEngine

/// SPEC section 9: split, run each shard, merge = one run over the whole dataset, byte for byte.
@Suite struct ShardTests {
    static let csvOutputs = ["accruals.csv", "settlements.csv", "statements.csv", "anomalies.csv"]

    /// A generated dataset with buying groups and bad lines (rejected by the split, as by the whole run).
    static func dataset(lines: Int = 12_000, partners: Int = 50, seed: UInt64 = 9) throws -> String {
        let dir = Fixture.temporaryFolder()
        let config = DatasetGenerator.Configuration(
            lines: lines, partners: partners, products: 40, seed: seed, badLinesPerMillion: 3_000)
        _ = try DatasetGenerator(config).write(to: dir, threads: 2)
        return dir
    }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// Splits into `n`, runs `job` on every shard, merges; returns the merged folder.
    static func splitRunMerge(
        _ dir: String, shards n: Int, ledger: String? = nil, job: (String, String, String?) throws -> Void
    ) throws -> String {
        let out = Fixture.temporaryFolder()
        let split = try SplitJob.run(
            dataset: dir, shards: n, outputFolder: out + "/split", ledger: ledger, maxRejects: 1_000, threads: 2)
        #expect(split.shards.count == n)
        var folders: [String] = []
        for k in (0..<n).reversed() {
            let shard = out + "/split/shard-\(k)"
            try job(shard, out + "/run-\(k)", ledger == nil ? nil : shard + "/ledger.csv")
            folders.append(out + "/run-\(k)")
        }
        _ = try MergeJob.run(outputs: folders, outputFolder: out + "/merged")
        return out + "/merged"
    }

    @Test(arguments: [1, 2, 3, 7])
    func mergedAccrualsEqualTheWholeRun(shards: Int) throws {
        let dir = try Self.dataset()
        let whole = Fixture.temporaryFolder()
        let options = AccrualOptions(asOf: CivilDate("2026-10-15"), threads: 2)
        _ = try AccrualJob.run(dataset: dir, outputFolder: whole, options: options, maxRejects: 1_000)
        let merged = try Self.splitRunMerge(dir, shards: shards) { shard, out, _ in
            _ = try AccrualJob.run(dataset: shard, outputFolder: out, options: options, maxRejects: 0)
        }
        for name in Self.csvOutputs {
            #expect(Self.bytes(merged + "/" + name) == Self.bytes(whole + "/" + name), "\(name) with \(shards) shards")
        }
        let summary = try String(contentsOfFile: merged + "/summary.json", encoding: .utf8)
        let original = try String(contentsOfFile: whole + "/summary.json", encoding: .utf8)
        for key in ["\"total_accrued\"", "\"total_settled\"", "\"lines_accepted\"", "\"amount_accepted\""] {
            let line = { (s: String) in s.split(separator: "\n").first { $0.contains(key) } }
            #expect(line(summary) == line(original), "\(key)")
        }
        #expect(FileManager.default.fileExists(atPath: merged + "/report.html"))
    }

    /// A generated dataset accrued whole, and split in 3, each shard accrued and merged (as of
    /// 2026-10-15): the two output folders.
    static func wholeAndMerged(_ c: DatasetGenerator.Configuration) throws -> (whole: String, merged: String) {
        let dir = Fixture.temporaryFolder()
        _ = try DatasetGenerator(c).write(to: dir, threads: 2)
        let whole = Fixture.temporaryFolder()
        let options = AccrualOptions(asOf: CivilDate("2026-10-15"), threads: 2)
        _ = try AccrualJob.run(dataset: dir, outputFolder: whole, options: options, maxRejects: 1_000)
        let merged = try splitRunMerge(dir, shards: 3) { shard, out, _ in
            _ = try AccrualJob.run(dataset: shard, outputFolder: out, options: options, maxRejects: 0)
        }
        return (whole, merged)
    }

    /// The line of a folder's summary.json that holds `key`.
    static func summaryLine(_ folder: String, containing key: String) throws -> Substring? {
        try String(contentsOfFile: folder + "/summary.json", encoding: .utf8).split(separator: "\n").first {
            $0.contains(key)
        }
    }

    /// The section of a folder's report.html that starts at `heading`, up to the next `<h2>`.
    static func reportSection(_ folder: String, from heading: String) throws -> Substring {
        let html = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        let from = try #require(html.range(of: heading)).lowerBound
        let rest = html[html.index(after: from)...]
        return html[from..<(rest.range(of: "<h2>")?.lowerBound ?? html.endIndex)]
    }

    /// Lines in listed currencies (SPEC section 11): the merged summary.json's per-currency totals and
    /// report.html's currency table are the whole run's.
    @Test func mergedCurrencyTotalsEqualTheWholeRun() throws {
        var c = DatasetGenerator.Configuration(lines: 12_000, partners: 40, products: 30, seed: 5)
        c.currencies = [ListedCurrency(code: "USD", decimals: 2), ListedCurrency(code: "JPY", decimals: 0)]
        let (whole, merged) = try Self.wholeAndMerged(c)
        let line = { (path: String) throws in try Self.summaryLine(path, containing: "\"currencies\"") }
        let original = try #require(try line(whole))
        // Both listed currencies were invoiced, JPY with no decimals.
        #expect(original.contains("\"USD\": {\"lines\": ") && original.contains("\"JPY\": {\"lines\": "))
        #expect(try line(merged) == original)
        let table = { (path: String) throws in try Self.reportSection(path, from: "<h2>Currencies</h2>") }
        #expect(try table(merged) == table(whole))
    }

    /// Growth agreements (SPEC section 10): the merged report.html's growth table is the whole run's,
    /// percent and absolute growth alike (the CSVs do not say which: each shard's summary does).
    @Test func mergedGrowthTableEqualsTheWholeRun() throws {
        var c = DatasetGenerator.Configuration(lines: 12_000, partners: 40, products: 30, seed: 9)
        c.priorYear = true
        let (whole, merged) = try Self.wholeAndMerged(c)
        let measures = { (path: String) throws in try Self.summaryLine(path, containing: "\"growth_measures\"") }
        let original = try #require(try measures(whole))
        #expect(original.contains("\": \"percent\"") && original.contains("\": \"absolute\""))
        #expect(try measures(merged) == original)
        let table = { (path: String) throws in try Self.reportSection(path, from: "<h2>Growth agreements") }
        let expected = try table(whole)
        // A percent figure and a statement with growth in basis units are both in the table.
        #expect(expected.contains("%</td>") && expected.components(separatedBy: "<tr>").count > 3)
        #expect(try table(merged) == expected)
        // The merged statements.csv (percent next tiers included) is the whole run's, byte for byte.
        #expect(Self.bytes(merged + "/statements.csv") == Self.bytes(whole + "/statements.csv"))
    }

    /// The split reads its input a window at a time: with windows of a few kilobytes, duplicate ids
    /// across windows and records cut at window ends are found as by one whole read.
    @Test func smallWindowsSplitAsOneWholeRead() throws {
        let dir = try Self.dataset(lines: 20_000, partners: 30, seed: 21)
        let whole = Fixture.temporaryFolder()
        _ = try AccrualJob.run(
            dataset: dir, outputFolder: whole, options: AccrualOptions(threads: 2), maxRejects: 1_000)
        let big = Fixture.temporaryFolder()
        let small = Fixture.temporaryFolder()
        let a = try SplitJob.perform(
            dataset: dir, shards: 3, outputFolder: big, ledger: nil, maxRejects: 1_000, threads: 2)
        let b = try SplitJob.perform(
            dataset: dir, shards: 3, outputFolder: small, ledger: nil, maxRejects: 1_000, threads: 2,
            windowBytes: 20_000, chunkBytes: 4_096)
        // Duplicates were planted (data-gen's bad lines repeat the first id): some are in other windows.
        let duplicates = b.rejects.filter { $0.reason.hasPrefix("line_id: duplicate") }
        #expect(duplicates.count >= 2)
        #expect(a.rejects == b.rejects && a.totals == b.totals && a.shards == b.shards)
        #expect(Self.bytes(small + "/rejects.csv") == Self.bytes(whole + "/rejects.csv"))
        #expect(Self.bytes(small + "/rejects.csv") == Self.bytes(big + "/rejects.csv"))
        for k in 0..<3 {
            for name in ["transactions.csv", "agreements.json", "shard.json"] {
                let file = "/shard-\(k)/" + name
                #expect(Self.bytes(small + file) == Self.bytes(big + file), "\(file)")
            }
        }
        // No temporary file is left beside the shards.
        let left = try FileManager.default.contentsOfDirectory(atPath: small).filter { $0.hasPrefix(".") }
        #expect(left.isEmpty)
    }

    @Test(arguments: [1, 3])
    func mergedClosesEqualTheWholeClose(shards: Int) throws {
        let dir = try Self.dataset(seed: 12)
        let base = Fixture.temporaryFolder()
        let options = AccrualOptions(threads: 2)
        // The books as closed in May; August is closed against them, whole and in shards.
        _ = try CloseJob.run(
            dataset: dir, month: CivilDate("2026-05-01")!, ledger: nil, outputFolder: base + "/may", options: options,
            maxRejects: 1_000)
        // A row of an agreement that no longer exists is reversed in shard 0.
        var ledger = try String(contentsOfFile: base + "/may/ledger.csv", encoding: .utf8)
        ledger += "GONE-1,P000001,2025-10-01,2025-12-31,12.00,12.00\n"
        try ledger.write(toFile: base + "/ledger.csv", atomically: true, encoding: .utf8)
        _ = try CloseJob.run(
            dataset: dir, month: CivilDate("2026-08-01")!, ledger: base + "/ledger.csv", outputFolder: base + "/whole",
            options: options, maxRejects: 1_000)
        let merged = try Self.splitRunMerge(dir, shards: shards, ledger: base + "/ledger.csv") { shard, out, ledger in
            _ = try CloseJob.run(
                dataset: shard, month: CivilDate("2026-08-01")!, ledger: ledger, outputFolder: out, options: options,
                maxRejects: 0)
        }
        for name in Self.csvOutputs + CloseJob.closeOutputs {
            #expect(
                Self.bytes(merged + "/" + name) == Self.bytes(base + "/whole/" + name), "\(name) with \(shards) shards")
        }
        let journal = try String(contentsOfFile: merged + "/journal.csv", encoding: .utf8)
        #expect(
            journal.contains("GONE-1,P000001,2025-10-01,2025-12-31,settlement,rebates_payable,accrued_rebates,12.00"))
        let summary = try String(contentsOfFile: merged + "/summary.json", encoding: .utf8)
        #expect(summary.contains("\"reconciles\": true"))
    }

    /// `data-gen --shards`: the shards it writes merge into the run over the dataset it writes unsplit.
    @Test func generatedShardsMergeIntoTheWholeRun() throws {
        let g = DatasetGenerator(.init(lines: 8_000, partners: 30, products: 30, seed: 17))
        let whole = Fixture.temporaryFolder()
        let sharded = Fixture.temporaryFolder()
        _ = try g.write(to: whole, threads: 2)
        _ = try g.write(to: sharded, threads: 2, shards: 3)
        let out = Fixture.temporaryFolder()
        let options = AccrualOptions(asOf: CivilDate("2026-11-30"), threads: 2)
        _ = try AccrualJob.run(dataset: whole, outputFolder: out + "/whole", options: options, maxRejects: 0)
        for k in 0..<3 {
            _ = try AccrualJob.run(
                dataset: sharded + "/shard-\(k)", outputFolder: out + "/s\(k)", options: options, maxRejects: 0)
        }
        _ = try MergeJob.run(outputs: (0..<3).map { out + "/s\($0)" }, outputFolder: out + "/merged")
        for name in Self.csvOutputs {
            #expect(Self.bytes(out + "/merged/" + name) == Self.bytes(out + "/whole/" + name), "\(name)")
        }
    }

    @Test func moreShardsThanPartnersGiveEmptyLegalDatasets() throws {
        let agreements = Fixture.agreements([
            Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#),
            Fixture.agreement(id: "AG2", beneficiary: #"{"group": "G1"}"#, tiers: #"[{"from": "0", "per_unit": "2"}]"#),
        ])
        let dir = Fixture.folder(
            agreements: agreements,
            transactions: Fixture.lines([
                "2026-01-10,P1,B,10,100.00", "2026-02-10,P2,B,5,50.00", "2026-03-10,P3,B,1,10.00",
            ]))
        let out = Fixture.temporaryFolder()
        let split = try SplitJob.run(dataset: dir, shards: 6, outputFolder: out, threads: 2)
        // P2 and P3 are one group and stay together: {P2, P3} has 2 lines, P1 1, P4 none.
        #expect(split.shards.map(\.lines).sorted(by: >) == [2, 1, 0, 0, 0, 0])
        #expect(split.shards.map(\.agreements).reduce(0, +) == 2)
        for k in 0..<6 {
            let loaded = try DatasetLoader.load(folder: out + "/shard-\(k)", threads: 1)
            #expect(loaded.shard?.index == k && loaded.shard?.count == 6)
            _ = try AccrualEngine.run(loaded.dataset)
        }
    }

    @Test func splitOfAFolderKeepsItsFiles() throws {
        let dir = try Self.dataset(lines: 4_000, partners: 20, seed: 3)
        try TransactionFolderTests.keepOneLineRecords(dir)
        let whole = Fixture.temporaryFolder()
        _ = try AccrualJob.run(
            dataset: dir, outputFolder: whole, options: AccrualOptions(threads: 2), maxRejects: 1_000)
        try TransactionFolderTests.splitIntoFolder(dir, cuts: [1_500], names: ["2026-h1.csv", "2026-h2.csv"])
        let merged = try Self.splitRunMerge(dir, shards: 2) { shard, out, _ in
            #expect(FileManager.default.fileExists(atPath: shard + "/transactions/2026-h2.csv"))
            _ = try AccrualJob.run(
                dataset: shard, outputFolder: out, options: AccrualOptions(threads: 2), maxRejects: 0)
        }
        for name in Self.csvOutputs {
            #expect(Self.bytes(merged + "/" + name) == Self.bytes(whole + "/" + name), "\(name)")
        }
    }

    @Test func mergeRefusesFoldersThatDoNotBelongTogether() throws {
        let dir = try Self.dataset(lines: 3_000, partners: 20, seed: 5)
        let out = Fixture.temporaryFolder()
        _ = try SplitJob.run(dataset: dir, shards: 2, outputFolder: out + "/split", maxRejects: 1_000, threads: 2)
        for k in 0..<2 {
            _ = try AccrualJob.run(
                dataset: out + "/split/shard-\(k)", outputFolder: out + "/a\(k)",
                options: AccrualOptions(asOf: CivilDate("2026-06-30"), threads: 2), maxRejects: 0)
        }
        _ = try AccrualJob.run(
            dataset: out + "/split/shard-1", outputFolder: out + "/b1",
            options: AccrualOptions(asOf: CivilDate("2026-07-31"), threads: 2), maxRejects: 0)
        _ = try AccrualJob.run(
            dataset: dir, outputFolder: out + "/whole", options: AccrualOptions(threads: 2), maxRejects: 1_000)
        func refusal(_ folders: [String]) -> String? {
            do {
                _ = try MergeJob.run(outputs: folders.map { out + "/" + $0 }, outputFolder: out + "/merged")
                return nil
            } catch {
                #expect(error.exitCode == 2)
                return error.description
            }
        }
        #expect(refusal(["a0"])?.contains("shard 1 of 2 missing") == true)
        #expect(refusal(["a0", "b1"])?.contains("the as-of date is 2026-07-31, but 2026-06-30") == true)
        #expect(refusal(["a0", "a0"])?.contains("shard 0 is also") == true)
        #expect(refusal(["a0", "whole"])?.contains("not the output of a shard") == true)
        #expect(refusal(["a0", "nothing"])?.contains("missing: not an output folder") == true)
        // An agreements file changed after the split is refused.
        let agreements = out + "/split/shard-1/agreements.json"
        try (String(contentsOfFile: agreements, encoding: .utf8) + " ").write(
            toFile: agreements, atomically: true, encoding: .utf8)
        _ = try AccrualJob.run(
            dataset: out + "/split/shard-1", outputFolder: out + "/c1",
            options: AccrualOptions(asOf: CivilDate("2026-06-30"), threads: 2), maxRejects: 0)
        #expect(refusal(["a0", "c1"])?.contains("changed after the split") == true)
        #expect(!FileManager.default.fileExists(atPath: out + "/merged"))
    }

    /// The plan by hand: components {P1}, {P2, P3} (group G1 via AG2) and {P4}; biggest first, to the least loaded.
    @Test func shardPlanKeepsGroupsTogetherAndBalances() {
        let partners = [
            Partner(id: "P1", name: ""), Partner(id: "P2", name: "", groupID: "G1"),
            Partner(id: "P3", name: "", groupID: "G1"), Partner(id: "P4", name: ""),
        ]
        let a = { (id: String, b: Beneficiary) in
            Agreement(
                id: id, program: .volume, beneficiary: b, start: CivilDate("2026-01-01")!,
                end: CivilDate("2026-12-31")!,
                basis: .quantity, valueKind: .perUnit,
                tiers: [Tier(from: Quantity(units: 0), value: .perUnit(Rate("1")!))])
        }
        let plan = ShardPlan(
            partners: partners,
            agreements: [a("A1", .partner("P1")), a("A2", .group("G1")), a("A3", .partner("NOBODY"))],
            linesOfPartner: [50, 30, 40, 10], shards: 2)
        // {P2,P3} = 70 -> shard 0; P1 = 50 -> shard 1; P4 = 10 -> shard 1 (50 < 70).
        #expect(plan.shardOfPartner == [1, 0, 0, 1])
        #expect(plan.shardOfAgreement == [1, 0, 0])
        #expect(plan.lines == [70, 60])
    }
}
