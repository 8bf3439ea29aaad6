import Foundation
import RebateGenerator
import Testing

@testable import RebateEngine

@Suite struct ColumnarFileTests {
    /// A generated dataset with some bad lines, as a folder.
    static func dataset() throws -> String {
        let dir = Fixture.temporaryFolder()
        _ = try DatasetGenerator(.init(lines: 8_000, partners: 80, products: 60, seed: 5, badLinesPerMillion: 5_000))
            .write(to: dir, threads: 2)
        return dir
    }

    @Test func importedFileGivesTheSameResultsWithoutCopyingLines() throws {
        let dir = try Self.dataset()
        let fromCSV = try DatasetLoader.load(folder: dir)
        #expect(fromCSV.transactionsFile == "transactions.csv")
        _ = try ImportJob.run(dataset: dir, threads: 2)
        let fromFile = try DatasetLoader.load(folder: dir)
        #expect(fromFile.transactionsFile == "transactions.rbc")
        #expect(fromFile.dataset.transactions.isMapped)
        #expect(fromFile.rejects == fromCSV.rejects)
        #expect(fromFile.totals == fromCSV.totals)
        #expect(!fromFile.rejects.isEmpty)
        // Both readers record where each partner's lines start, which the engine then trusts: a count
        // of each partner's lines, made here, says the same.
        for loaded in [fromCSV, fromFile] {
            let t = loaded.dataset.transactions
            var counted = [Int](repeating: 0, count: loaded.dataset.partners.count + 1)
            for p in t.partner { counted[Int(p) + 1] += 1 }
            for p in 0..<loaded.dataset.partners.count { counted[p + 1] += counted[p] }
            #expect(t.partnerStarts == counted)
        }
        for asOf in [nil, CivilDate("2026-07-04")] {
            let a = try AccrualEngine.run(fromCSV.dataset, options: AccrualOptions(asOf: asOf, threads: 2))
            let b = try AccrualEngine.run(fromFile.dataset, options: AccrualOptions(asOf: asOf, threads: 2))
            // Lines dated after the as-of date, counted here.
            let after = fromCSV.dataset.transactions.day.filter { $0 > (asOf?.dayNumber ?? Int32.max) }.count
            #expect(a.linesAfterAsOf == after && b.linesAfterAsOf == after)
            #expect(asOf == nil || after > 0)
            #expect(!b.inputWasCopied)
            #expect(a.accrualsCSV() == b.accrualsCSV())
            #expect(a.settlementsCSV() == b.settlementsCSV())
            #expect(a.statementsCSV() == b.statementsCSV())
            #expect(a.anomaliesCSV() == b.anomaliesCSV())
        }
        // --csv reads the CSV even when the columnar file is there.
        #expect(try DatasetLoader.load(folder: dir, columnar: false).transactionsFile == "transactions.csv")
    }

    func refusal(_ dir: String) -> String? {
        do {
            _ = try DatasetLoader.load(folder: dir)
            return nil
        } catch {
            #expect(error.exitCode == 2)
            return error.description
        }
    }

    @Test func truncatedCorruptedForeignAndStaleFilesAreRefused() throws {
        let dir = try Self.dataset()
        _ = try ImportJob.run(dataset: dir, threads: 2)
        let path = dir + "/" + ColumnarFile.fileName
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        let stamp = ColumnarFile.sourceStamp(dir + "/transactions.csv")!
        func put(_ bytes: Data) throws {
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        // Every truncation point in the header and at every page edge, and a spread through the rest.
        var cuts = Array(0..<200) + stride(from: 200, to: good.count, by: 997).map { $0 }
        cuts += stride(from: 4096, to: good.count, by: 4096).flatMap { [$0 - 1, $0, $0 + 1] }
        var refused = 0
        for cut in Set(cuts) where cut < good.count {
            try put(good.prefix(cut))
            let message = refusal(dir)
            #expect(message != nil, "accepted a file cut at \(cut)")
            if message != nil { refused += 1 }
        }
        #expect(refused > 100)
        // Random flipped bytes anywhere.
        var rng = SplitMix(seed: 42)
        for _ in 0..<300 {
            var bad = good
            let i = Int(rng.next() % UInt64(good.count))
            bad[i] ^= UInt8(1 + rng.next() % 255)
            try put(bad)
            #expect(refusal(dir) != nil, "accepted a flipped byte at \(i)")
        }
        // Bytes appended, a foreign file, an empty file.
        try put(good + Data([0]))
        #expect(refusal(dir)?.contains("after the last section") == true)
        try put(Data(repeating: 0x41, count: 10_000))
        #expect(refusal(dir)?.contains("wrong magic number") == true)
        try put(Data())
        #expect(refusal(dir)?.contains("too short") == true)
        // The intact file is accepted again; then the CSV changes and it is stale.
        try put(good)
        var times = [timespec](repeating: timespec(), count: 2)
        times[0].tv_sec = Int(stamp.modified / 1_000_000_000)
        times[1].tv_sec = times[0].tv_sec
        times[0].tv_nsec = Int(stamp.modified % 1_000_000_000)
        times[1].tv_nsec = times[0].tv_nsec
        #expect(utimensat(AT_FDCWD, dir + "/transactions.csv", times, 0) == 0)
        #expect(refusal(dir) == nil)
        let csv = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/transactions.csv"))
        csv.seekToEndOfFile()
        csv.write("L9999999999,2026-01-01,P000001,SKU-00001,1,1.00\n".data(using: .utf8)!)
        try csv.close()
        #expect(refusal(dir)?.contains("stale") == true)
    }

    @Test func otherMasterDataIsRefused() throws {
        let dir = try Self.dataset()
        _ = try ImportJob.run(dataset: dir, threads: 2)
        var partners = try String(contentsOfFile: dir + "/partners.csv", encoding: .utf8)
        partners += "PNEW,New partner,\n"
        try partners.write(toFile: dir + "/partners.csv", atomically: true, encoding: .utf8)
        #expect(refusal(dir)?.contains("other partners, products or currency decimals") == true)
    }
}
