import Foundation
import RebateGenerator
import Testing

@testable import RebateEngine

/// SPEC section 1: the lines as a `transactions/` folder of files read as if they were one.
@Suite struct TransactionFolderTests {
    /// The physical lines of a file, without their line breaks.
    static func lines(_ path: String) throws -> [[UInt8]] {
        var lines = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))).split(
            separator: 10, omittingEmptySubsequences: false
        ).map(Array.init)
        if lines.last == [] { lines.removeLast() }
        return lines
    }

    /// Drops the lines holding a quote (a record over several lines could not be cut anywhere),
    /// so every physical line is one record.
    static func keepOneLineRecords(_ dir: String) throws {
        let kept = try lines(dir + "/transactions.csv").filter { !$0.contains(UInt8(ascii: "\"")) }
        try Data(kept.flatMap { $0 + [10] }).write(to: URL(fileURLWithPath: dir + "/transactions.csv"))
    }

    /// Moves `transactions.csv` of `dir` into `transactions/` as files cut at the given line
    /// indices (0 is the first line after the header), each with the header.
    static func splitIntoFolder(_ dir: String, cuts: [Int], names: [String]) throws {
        var lines = try lines(dir + "/transactions.csv")
        let header = lines.removeFirst()
        try FileManager.default.removeItem(atPath: dir + "/transactions.csv")
        try FileManager.default.createDirectory(atPath: dir + "/transactions", withIntermediateDirectories: true)
        let bounds = [0] + cuts + [lines.count]
        for (k, name) in names.enumerated() {
            let body: [UInt8] = lines[bounds[k]..<bounds[k + 1]].flatMap { $0 + [10] }
            try Data(header + [UInt8(10)] + body).write(to: URL(fileURLWithPath: dir + "/transactions/" + name))
        }
    }

    static let outputs = ["accruals.csv", "settlements.csv", "statements.csv", "anomalies.csv"]

    /// A generated dataset (bad lines included) whose lines are a `transactions/` folder of three
    /// files, `2026-a.csv` to `2026-c.csv`, cut at `cuts`.
    static func generatedFolder(lines: Int, partners: Int, seed: UInt64, cuts: [Int]) throws -> String {
        let dir = Fixture.temporaryFolder()
        let config = DatasetGenerator.Configuration(
            lines: lines, partners: partners, products: 20, seed: seed, badLinesPerMillion: 5_000)
        _ = try DatasetGenerator(config).write(to: dir, threads: 2)
        try keepOneLineRecords(dir)
        try splitIntoFolder(dir, cuts: cuts, names: ["2026-a.csv", "2026-b.csv", "2026-c.csv"])
        return dir
    }

    static func outputBytes(_ dir: String, asOf: CivilDate?) throws -> [[UInt8]] {
        let loaded = try DatasetLoader.load(folder: dir, threads: 2)
        let r = try AccrualEngine.run(loaded.dataset, options: AccrualOptions(asOf: asOf, threads: 2))
        return [r.accrualsCSV(), r.settlementsCSV(), r.statementsCSV(), r.anomaliesCSV()]
    }

    @Test func aFolderGivesTheOutputsOfOneFileWithTheSameLines() throws {
        let whole = Fixture.temporaryFolder()
        let config = DatasetGenerator.Configuration(
            lines: 20_000, partners: 60, products: 40, seed: 11, badLinesPerMillion: 20_000)
        _ = try DatasetGenerator(config).write(to: whole, threads: 2)
        try Self.keepOneLineRecords(whole)
        let folder = Fixture.temporaryFolder()
        for name in ["partners.csv", "products.csv", "agreements.json", "transactions.csv"] {
            try FileManager.default.copyItem(atPath: whole + "/" + name, toPath: folder + "/" + name)
        }
        // Names whose bytewise order is the line order ("B" < "a"), and a hidden and a non-CSV file that are not read.
        try Self.splitIntoFolder(
            folder, cuts: [1, 7_000, 7_001, 15_000], names: ["2026-01.csv", "2026-02.csv", "B.csv", "a.csv", "b.csv"])
        try "line_id,date\n".write(toFile: folder + "/transactions/.hidden.csv", atomically: true, encoding: .utf8)
        try "not,a,transactions,file\n".write(
            toFile: folder + "/transactions/notes.txt", atomically: true, encoding: .utf8)
        for asOf in [nil, CivilDate("2026-05-20")] {
            #expect(try Self.outputBytes(folder, asOf: asOf) == Self.outputBytes(whole, asOf: asOf))
        }
        let a = try DatasetLoader.load(folder: whole, threads: 2)
        let b = try DatasetLoader.load(folder: folder, threads: 2)
        #expect(a.totals == b.totals)
        #expect(a.rejects.count == b.rejects.count && !a.rejects.isEmpty)
        #expect(b.transactionsFile == "transactions/ (5 files)")
        // Every reject names its file and its line within that file: the raw text is that line of that file.
        for r in b.rejects {
            #expect(try Self.lines(folder + "/" + r.file)[r.line - 1] == r.raw, "\(r.file):\(r.line)")
        }
    }

    @Test func aLineIDSeenInAnEarlierFileIsADuplicate() throws {
        let agreements = Fixture.agreements([Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)])
        let dir = Fixture.folder(agreements: agreements, transactions: "")
        try FileManager.default.removeItem(atPath: dir + "/transactions.csv")
        try FileManager.default.createDirectory(atPath: dir + "/transactions", withIntermediateDirectories: true)
        // Columns in another order in the second file; its L1 repeats the first file's.
        try
            "line_id,date,partner_id,product_id,quantity,amount\nL1,2026-01-05,P1,A,3,30.00\nL2,2026-01-06,P1,A,oops,1\n"
            .write(toFile: dir + "/transactions/2026-01.csv", atomically: true, encoding: .utf8)
        try "amount,quantity,product_id,partner_id,date,line_id\n5.00,5,A,P1,2026-02-01,L1\n7.00,7,A,P1,2026-02-02,L2\n"
            .write(toFile: dir + "/transactions/2026-02.csv", atomically: true, encoding: .utf8)
        let loaded = try DatasetLoader.load(folder: dir)
        #expect(loaded.totals.linesRead == 4)
        #expect(loaded.totals.linesAccepted == 2)
        // L2 of January was rejected, so February's L2 is not a duplicate; February's L1 is.
        #expect(
            loaded.rejects.map { "\($0.file):\($0.line):\($0.reason)" } == [
                "transactions/2026-01.csv:3:quantity: \"oops\" is not a plain decimal",
                "transactions/2026-02.csv:2:line_id: duplicate of transactions/2026-01.csv line 2",
            ])
        let r = try AccrualEngine.run(loaded.dataset)
        // 3 + 7 units at 1.00 a unit.
        #expect(Fixture.earned(r, period: "2026-01-01") == "10.00")
    }

    @Test func bothFormsTogetherAreRefused() throws {
        let dir = Fixture.folder(agreements: Fixture.agreements([]), transactions: Fixture.lines([]))
        try FileManager.default.createDirectory(atPath: dir + "/transactions", withIntermediateDirectories: true)
        #expect(throws: RebateError.self) { try DatasetLoader.load(folder: dir) }
        do {
            _ = try DatasetLoader.load(folder: dir)
        } catch {
            #expect(error.exitCode == 2)
            #expect(error.description.contains("both transactions.csv and a transactions/ folder"))
        }
    }

    @Test func aFileWithoutTheRequiredColumnsIsNamed() throws {
        let dir = Fixture.folder(agreements: Fixture.agreements([]), transactions: "")
        try FileManager.default.removeItem(atPath: dir + "/transactions.csv")
        try FileManager.default.createDirectory(atPath: dir + "/transactions", withIntermediateDirectories: true)
        try Fixture.lines([]).write(toFile: dir + "/transactions/a.csv", atomically: true, encoding: .utf8)
        try "line_id,date\n".write(toFile: dir + "/transactions/b.csv", atomically: true, encoding: .utf8)
        do {
            _ = try DatasetLoader.load(folder: dir)
            Issue.record("expected a refusal")
        } catch {
            #expect(
                error.description.contains(
                    "transactions/b.csv:1: missing required columns partner_id, product_id, quantity, amount"))
        }
    }

    @Test func anEmptyFolderHasNoLines() throws {
        let dir = Fixture.folder(
            agreements: Fixture.agreements([Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)]),
            transactions: "")
        try FileManager.default.removeItem(atPath: dir + "/transactions.csv")
        try FileManager.default.createDirectory(atPath: dir + "/transactions", withIntermediateDirectories: true)
        let loaded = try DatasetLoader.load(folder: dir)
        #expect(loaded.totals.linesRead == 0)
        #expect(try AccrualEngine.run(loaded.dataset).settlements.map(\.earned) == [0])
    }

    /// The folder's store: only new or changed files are parsed; what it loads is what the CSV files give.
    @Test func importParsesOnlyNewOrChangedFiles() throws {
        let dir = try Self.generatedFolder(lines: 6_000, partners: 30, seed: 4, cuts: [2_000, 4_000])
        func sameAsCSV(_ note: String) throws {
            let store = try DatasetLoader.load(folder: dir, threads: 2)
            let csv = try DatasetLoader.load(folder: dir, threads: 2, columnar: false)
            #expect(store.transactionsFile.hasPrefix("transactions.rbc.d"), "\(note)")
            #expect(store.totals == csv.totals, "\(note)")
            #expect(AccrualReport.rejectsCSV(store.rejects) == AccrualReport.rejectsCSV(csv.rejects), "\(note)")
            let a = try AccrualEngine.run(store.dataset, options: AccrualOptions(threads: 2))
            let b = try AccrualEngine.run(csv.dataset, options: AccrualOptions(threads: 2))
            #expect(a.accrualsCSV() == b.accrualsCSV() && a.statementsCSV() == b.statementsCSV(), "\(note)")
        }
        let first = try ImportJob.runReporting(dataset: dir, threads: 2).folderReport
        #expect(first?.parsed == ["2026-a.csv", "2026-b.csv", "2026-c.csv"])
        try sameAsCSV("first import")
        // A new month: its L0000000001 repeats the first file's; only it is parsed.
        try
            "line_id,date,partner_id,product_id,quantity,amount\nL0000000001,2026-12-01,P000001,SKU-00001,1,1.00\nLNEW,2026-12-02,P000001,SKU-00001,2,2.00\n"
            .write(toFile: dir + "/transactions/2026-d.csv", atomically: true, encoding: .utf8)
        #expect(throws: RebateError.self) { try DatasetLoader.load(folder: dir, threads: 2) }
        let second = try ImportJob.runReporting(dataset: dir, threads: 2).folderReport
        #expect(second?.parsed == ["2026-d.csv"])
        #expect(second?.reused == ["2026-a.csv", "2026-b.csv", "2026-c.csv"])
        try sameAsCSV("a file added")
        let loaded = try DatasetLoader.load(folder: dir, threads: 2)
        #expect(loaded.rejects.contains { $0.file == "transactions/2026-d.csv" && $0.lineID == "L0000000001" })
        // A changed middle file is parsed again; the files after it are checked again, not parsed.
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/transactions/2026-b.csv"))
        try (b + Data("LNEW,2026-06-01,P000002,SKU-00002,3,3.00\n".utf8)).write(
            to: URL(fileURLWithPath: dir + "/transactions/2026-b.csv"))
        let third = try ImportJob.runReporting(dataset: dir, threads: 2).folderReport
        #expect(third?.parsed == ["2026-b.csv"])
        #expect(third?.reused == ["2026-a.csv"])
        #expect(third?.rechecked == ["2026-c.csv", "2026-d.csv"])
        try sameAsCSV("a file changed")
        // A removed file: nothing is parsed; its segment goes.
        try FileManager.default.removeItem(atPath: dir + "/transactions/2026-a.csv")
        let fourth = try ImportJob.runReporting(dataset: dir, threads: 2).folderReport
        #expect(fourth?.parsed == [])
        try sameAsCSV("a file removed")
        #expect(!FileManager.default.fileExists(atPath: dir + "/transactions.rbc.d/2026-a.csv.rbc"))
    }

    /// The engine walks a store's segments where they are mapped, skipping the duplicates the
    /// manifest drops, instead of joining them: every output equals the CSV's for any thread count,
    /// piece size and as-of date, every kept line is in exactly one piece, and the join that
    /// `Dataset.transactions` gives holds the same lines as the CSV.
    @Test func theEngineReadsAStoresSegmentsInPlace() throws {
        let dir = try Self.generatedFolder(lines: 8_000, partners: 25, seed: 9, cuts: [3_000, 5_500])
        // Two lines repeating earlier ids, in the middle of a partner's lines of a later file: dropped.
        try
            "line_id,date,partner_id,product_id,quantity,amount\nL0000000002,2026-12-01,P000001,SKU-00001,1,1.00\nLNEW,2026-12-02,P000001,SKU-00001,2,2.00\nL0000000003,2026-12-03,P000001,SKU-00001,4,4.00\nLNEW2,2026-12-04,P000001,SKU-00001,8,8.00\n"
            .write(toFile: dir + "/transactions/2026-d.csv", atomically: true, encoding: .utf8)
        _ = try ImportJob.runReporting(dataset: dir, threads: 2)
        let store = try DatasetLoader.load(folder: dir, threads: 2)
        let csv = try DatasetLoader.load(folder: dir, threads: 2, columnar: false)
        let segments = try #require(store.dataset.segments)
        // The new file's two repeats (after grouping, the first and third of its P000001 lines), and the
        // generator's own planted duplicates in earlier files.
        #expect(segments.parts.count == 4 && segments.drops[3] == [0, 2], "\(segments.drops)")
        for asOf in [nil, CivilDate("2026-06-15"), CivilDate("2026-12-02")] {
            let whole = try AccrualEngine.run(csv.dataset, options: AccrualOptions(asOf: asOf, threads: 1))
            for (threads, pieceLines) in [(1, nil), (3, 1), (2, 7), (2, 500)] as [(Int, Int?)] {
                var options = AccrualOptions(asOf: asOf, threads: threads)
                options.pieceLines = pieceLines
                let r = try AccrualEngine.run(store.dataset, options: options)
                #expect(
                    Fixture.text(r.accrualsCSV()) == Fixture.text(whole.accrualsCSV()),
                    "\(String(describing: asOf)) \(threads)")
                #expect(Fixture.text(r.settlementsCSV()) == Fixture.text(whole.settlementsCSV()))
                #expect(Fixture.text(r.statementsCSV()) == Fixture.text(whole.statementsCSV()))
                #expect(Fixture.text(r.anomaliesCSV()) == Fixture.text(whole.anomaliesCSV()))
                #expect(r.linesAfterAsOf == whole.linesAfterAsOf)
            }
        }
        // Every kept line in one piece, none of the dropped ones.
        let resolved = try ResolvedAgreement.resolve(store.dataset)
        let plan = PartitionPlan(dataset: store.dataset, agreements: resolved, asOf: nil, threads: 2)
        let csvPlan = PartitionPlan(dataset: csv.dataset, agreements: resolved, asOf: nil, threads: 2)
        #expect(plan.parts.count == 4 && !plan.copied)
        for limit in [1, 5, 1 << 20] {
            var seen: [[Bool]] = segments.parts.map { [Bool](repeating: false, count: $0.count) }
            for piece in plan.pieces(limit: limit) {
                for run in piece.runs {
                    for i in run.lines {
                        #expect(!seen[run.part][i])
                        seen[run.part][i] = true
                    }
                }
            }
            for (k, dropped) in segments.drops.enumerated() { #expect(dropped.allSatisfy { !seen[k][$0] }) }
            // The lines of partners some agreement watches.
            let watched = (0..<csvPlan.partitionCount).reduce(0) { $0 + csvPlan.lineCount(ofPartition: $1) }
            #expect(seen.joined().filter { $0 }.count == watched && watched > 7_000)
        }
        for p in 0..<plan.partitionCount {
            #expect(plan.lineCount(ofPartition: p) == csvPlan.lineCount(ofPartition: p))
        }
        // The join: the same lines as the CSV's, partner by partner in file order.
        let joined = store.dataset.transactions
        let grouped = PartitionPlan.groupByPartner(
            csv.dataset.transactions, partners: csv.dataset.partners.count, threads: 2
        ).0
        #expect(joined.partner == grouped.partner && joined.day == grouped.day && joined.quantity == grouped.quantity)
        #expect(joined.amount == grouped.amount && joined.product == grouped.product)
    }

    /// The radix sort of the id index equals a comparison sort by (hash, line).
    @Test func idIndexRadixSortIsAStableSortByHash() {
        var state: UInt64 = 7
        let entries = (0..<5_000).map { i -> SegmentIndex.IDEntry in
            state = state &* 6_364_136_223_846_793_005 &+ 1
            // Few distinct hashes in the low bits too, so equal hashes and equal digits both occur.
            let hash = i % 7 == 0 ? UInt64(i % 3) : state
            return SegmentIndex.IDEntry(hash: hash, start: UInt64(i), line: UInt32(i), position: UInt32(i))
        }
        let radix = RadixSort.byHash(entries).map { [$0.hash, UInt64($0.line)] }
        let expected = entries.sorted { ($0.hash, $0.line) < ($1.hash, $1.line) }.map { [$0.hash, UInt64($0.line)] }
        #expect(radix == expected)
    }
}
