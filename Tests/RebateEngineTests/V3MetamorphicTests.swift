import Foundation
import RebateGenerator
import Testing

@testable import RebateEngine

/// The metamorphic properties on a dataset with every v3 feature (a prior year and growth agreements,
/// lines in USD and JPY): the outputs' bytes do not depend on the thread count, the order of the lines,
/// one file or a folder of files, the CSV or the columnar file, or a split into shards and a merge.
@Suite(.serialized) struct V3MetamorphicTests {
    static let folder: String = {
        var c = DatasetGenerator.Configuration(lines: 40_000, partners: 80, products: 60, seed: 5)
        c.priorYear = true
        c.currencies = [ListedCurrency(code: "USD", decimals: 2), ListedCurrency(code: "JPY", decimals: 0)]
        let dir = Fixture.temporaryFolder()
        _ = try! DatasetGenerator(c).write(to: dir, threads: 2)
        return dir
    }()

    static let outputs = ["accruals.csv", "settlements.csv", "statements.csv", "anomalies.csv"]

    static func run(_ folder: String, threads: Int = 2, columnar: Bool = false, asOf: String = "2026-08-31") throws
        -> [[UInt8]]
    {
        let loaded = try DatasetLoader.load(folder: folder, threads: threads, columnar: columnar)
        #expect(loaded.rejects.isEmpty)
        let r = try AccrualEngine.run(loaded.dataset, options: AccrualOptions(asOf: CivilDate(asOf), threads: threads))
        return [r.accrualsCSV(), r.settlementsCSV(), r.statementsCSV(), r.anomaliesCSV()]
    }

    static func copyMaster(_ from: String, _ to: String) throws {
        for name in ["partners.csv", "products.csv", "agreements.json", "rates.csv"] {
            try FileManager.default.copyItem(atPath: from + "/" + name, toPath: to + "/" + name)
        }
    }

    @Test func threadsAndLineOrder() throws {
        let base = try Self.run(Self.folder, threads: 1)
        // The dataset really exercises growth and currencies.
        #expect(String(decoding: base[1], as: UTF8.self).contains("GRO-"))
        #expect(try Self.run(Self.folder, threads: 5) == base)
        let shuffled = Fixture.temporaryFolder()
        try Self.copyMaster(Self.folder, shuffled)
        var lines = try String(contentsOfFile: Self.folder + "/transactions.csv", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        var rng = SplitMix(seed: 9)
        lines.shuffle(using: &rng)
        try ([header] + lines).joined(separator: "\n").appending("\n")
            .write(toFile: shuffled + "/transactions.csv", atomically: true, encoding: .utf8)
        #expect(try Self.run(shuffled, threads: 3) == base)
    }

    @Test func aFolderOfFilesAndTheColumnarStore() throws {
        let base = try Self.run(Self.folder)
        let split = Fixture.temporaryFolder()
        try Self.copyMaster(Self.folder, split)
        try FileManager.default.createDirectory(atPath: split + "/transactions", withIntermediateDirectories: true)
        var lines = try String(contentsOfFile: Self.folder + "/transactions.csv", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        // The prior year's lines in one file, this year's in another.
        let prior = lines.filter { $0.hasPrefix("Y") }
        let current = lines.filter { !$0.hasPrefix("Y") }
        try ([header] + prior).joined(separator: "\n").appending("\n")
            .write(toFile: split + "/transactions/2025.csv", atomically: true, encoding: .utf8)
        try ([header] + current).joined(separator: "\n").appending("\n")
            .write(toFile: split + "/transactions/2026.csv", atomically: true, encoding: .utf8)
        #expect(try Self.run(split) == base)
        _ = try ImportJob.run(dataset: split, threads: 2)
        #expect(try Self.run(split, columnar: true) == base)
        let single = Fixture.temporaryFolder()
        try Self.copyMaster(Self.folder, single)
        try FileManager.default.copyItem(
            atPath: Self.folder + "/transactions.csv", toPath: single + "/transactions.csv")
        _ = try ImportJob.run(dataset: single, threads: 2)
        #expect(try Self.run(single, columnar: true) == base)
    }

    @Test func splitAndMerge() throws {
        let whole = Fixture.temporaryFolder() + "/whole"
        let options = AccrualOptions(asOf: CivilDate("2026-08-31"), threads: 2)
        _ = try AccrualJob.run(
            dataset: Self.folder, outputFolder: whole, options: options, maxRejects: 0, columnar: false)
        let shards = Fixture.temporaryFolder() + "/shards"
        _ = try SplitJob.run(dataset: Self.folder, shards: 3, outputFolder: shards, threads: 2)
        var outs: [String] = []
        for k in 0..<3 {
            // Every shard has the rates, so its foreign lines convert as in the whole dataset.
            #expect(FileManager.default.fileExists(atPath: shards + "/shard-\(k)/rates.csv"))
            let out = shards + "/out-\(k)"
            _ = try AccrualJob.run(
                dataset: shards + "/shard-\(k)", outputFolder: out, options: options, maxRejects: 0, columnar: false)
            outs.append(out)
        }
        let merged = Fixture.temporaryFolder() + "/merged"
        _ = try MergeJob.run(outputs: outs, outputFolder: merged)
        for name in Self.outputs {
            let a = FileManager.default.contents(atPath: whole + "/" + name)
            #expect(a != nil && a == FileManager.default.contents(atPath: merged + "/" + name), "\(name)")
        }
    }
}
