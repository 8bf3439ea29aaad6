import Dispatch
import Foundation
import RebateGenerator
import Testing

@testable import RebateEngine

/// A run's outputs are one set: whatever stops a run, the output folder holds the previous complete
/// set or the new one, never a mix. The dataset changes between the earlier run and the failing
/// one, so a mix of the two shows as files that match neither snapshot.
@Suite(.serialized) struct OutputSetTests {
    /// Every file below `folder` (relative path to bytes), hidden ones included.
    static func snapshot(_ folder: String) -> [String: Data] {
        var out: [String: Data] = [:]
        guard let walk = FileManager.default.enumerator(atPath: folder) else { return out }
        for case let name as String in walk {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder)
            guard !isFolder.boolValue, var bytes = FileManager.default.contents(atPath: folder + "/" + name) else {
                continue
            }
            // The timings are the one part of a run that differs between runs of the same data.
            if name.hasSuffix("summary.json") {
                let text = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
                    .filter { !$0.contains("\"timings_us\"") }
                bytes = Data(text.joined(separator: "\n").utf8)
            }
            out[name] = bytes
        }
        return out
    }

    /// Runs `rebate` with extra environment, optionally under a shell prefix (for `ulimit`).
    static func run(_ arguments: [String], environment: [String: String] = [:], fileSizeBlocks: Int? = nil) throws
        -> (status: Int32, signaled: Bool, stderr: String)
    {
        let p = Process()
        if let blocks = fileSizeBlocks {
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-c", "ulimit -f \(blocks); exec \"$0\" \"$@\"", CLITests.executable] + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: CLITests.executable)
            p.arguments = arguments
        }
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, p.terminationReason == .uncaughtSignal, String(decoding: e, as: UTF8.self))
    }

    /// Two datasets with the same master data: `new` has every line, `old` the first 80 %.
    static func datasets(folderOfFiles: Bool = false) throws -> (old: String, new: String) {
        let new = Fixture.temporaryFolder()
        _ = try DatasetGenerator(.init(lines: 4_000, partners: 40, products: 30, seed: 17)).write(to: new, threads: 2)
        let old = Fixture.temporaryFolder()
        for name in ["partners.csv", "products.csv", "agreements.json"] {
            try FileManager.default.copyItem(atPath: new + "/" + name, toPath: old + "/" + name)
        }
        let lines = try String(contentsOfFile: new + "/transactions.csv", encoding: .utf8).split(separator: "\n")
        let kept = lines.prefix(lines.count * 8 / 10).joined(separator: "\n") + "\n"
        try kept.write(toFile: old + "/transactions.csv", atomically: true, encoding: .utf8)
        if folderOfFiles {
            // The lines as transactions/ with two files, so an import has a store to update.
            for dir in [old, new] {
                let all = try String(contentsOfFile: dir + "/transactions.csv", encoding: .utf8).split(separator: "\n")
                try FileManager.default.createDirectory(
                    atPath: dir + "/transactions", withIntermediateDirectories: true)
                let half = all.count / 2
                try ([all[0]] + all[1..<half]).joined(separator: "\n").appending("\n")
                    .write(toFile: dir + "/transactions/a.csv", atomically: true, encoding: .utf8)
                try ([all[0]] + all[half...]).joined(separator: "\n").appending("\n")
                    .write(toFile: dir + "/transactions/b.csv", atomically: true, encoding: .utf8)
                try FileManager.default.removeItem(atPath: dir + "/transactions.csv")
            }
        }
        return (old, new)
    }

    /// The jobs that write an output folder, as arguments for a dataset and an output folder.
    static let jobs: [String: @Sendable (String, String) -> [String]] = [
        "accrue": { ["accrue", $0, "--out", $1, "--quiet"] },
        "close": { ["close", $0, "--month", "2026-09", "--out", $1, "--quiet"] },
        "compare": { ["compare", $0, "--agreements", $0 + "/agreements.json", "--out", $1, "--quiet"] },
        "portal": { ["portal", $0, "--as-of", "2026-06-30", "--out", $1, "--quiet"] },
        "split": { ["split", $0, "--shards", "3", "--out", $1, "--quiet"] },
    ]

    /// Fails the 1st, 2nd, 3rd ... write of a run into a folder holding the old dataset's set, until a
    /// run gets through: each failure exits 74 and leaves the old set byte for byte, and the run that
    /// gets through leaves exactly what a clean run writes.
    @Test(arguments: ["accrue", "close", "compare", "portal", "split"])
    func aFailureAtAnyWriteLeavesThePreviousSet(_ job: String) throws {
        let (old, new) = try Self.datasets()
        let command = Self.jobs[job]!
        let parent = Fixture.temporaryFolder()
        let out = parent + "/out"
        let reference = parent + "/reference"
        #expect(try Self.run(command(new, reference)).status == 0)
        #expect(try Self.run(command(old, out)).status == 0)
        try "mine\n".write(toFile: out + "/notes.txt", atomically: true, encoding: .utf8)
        let before = Self.snapshot(out)
        let expected = Self.snapshot(reference).merging(["notes.txt": Data("mine\n".utf8)]) { a, _ in a }
        #expect(before != expected, "the two datasets must give different outputs")
        var failures = 0
        for n in 1...400 {
            let r = try Self.run(command(new, out), environment: ["REBATE_FAIL_AT_WRITE": "\(n)"])
            if r.status == 0 {
                #expect(Self.snapshot(out) == expected, "after the run that got through (write \(n))")
                break
            }
            failures += 1
            #expect(r.status == 74, "write \(n): \(r.stderr)")
            #expect(r.stderr.contains("injected failure"), "write \(n): \(r.stderr)")
            #expect(Self.snapshot(out) == before, "a mix after a failure at write \(n)")
            #expect(!(try FileManager.default.contentsOfDirectory(atPath: parent)).contains { $0.hasPrefix(".") })
        }
        #expect(failures >= 3, "every write of the run was made to fail once")
    }

    /// The same for `rebate merge` (the shards' outputs change between the two merges) and for
    /// `rebate import` into a folder's store.
    @Test func mergeAndImportLeaveThePreviousSetOnFailure() throws {
        let (old, new) = try Self.datasets(folderOfFiles: true)
        let parent = Fixture.temporaryFolder()
        var shardOutputs: [String: [String]] = [:]
        for (label, dataset) in [("old", old), ("new", new)] {
            #expect(try Self.run(["split", dataset, "--shards", "2", "--out", parent + "/\(label)-split"]).status == 0)
            shardOutputs[label] = (0..<2).map { parent + "/\(label)-out-\($0)" }
            for k in 0..<2 {
                let r = try Self.run([
                    "accrue", parent + "/\(label)-split/shard-\(k)", "--out", shardOutputs[label]![k],
                ])
                #expect(r.status == 0, "\(r.stderr)")
            }
        }
        let out = parent + "/merged"
        let reference = parent + "/reference"
        #expect(try Self.run(["merge"] + shardOutputs["new"]! + ["--out", reference]).status == 0)
        #expect(try Self.run(["merge"] + shardOutputs["old"]! + ["--out", out]).status == 0)
        let before = Self.snapshot(out)
        var n = 1
        while n < 400 {
            let r = try Self.run(
                ["merge"] + shardOutputs["new"]! + ["--out", out], environment: ["REBATE_FAIL_AT_WRITE": "\(n)"])
            if r.status == 0 { break }
            #expect(r.status == 74 && Self.snapshot(out) == before, "merge, write \(n): \(r.stderr)")
            n += 1
        }
        #expect(n > 3 && Self.snapshot(out) == Self.snapshot(reference))

        // import: the store of the old lines, then the new lines fail to import at every write.
        let dataset = Fixture.temporaryFolder() + "/d"
        try FileManager.default.copyItem(atPath: old, toPath: dataset)
        #expect(try Self.run(["import", dataset, "--quiet"]).status == 0)
        let store = dataset + "/" + ColumnarStore.folderName
        let oldStore = Self.snapshot(store)
        try FileManager.default.removeItem(atPath: dataset + "/transactions")
        try FileManager.default.copyItem(atPath: new + "/transactions", toPath: dataset + "/transactions")
        n = 1
        while n < 400 {
            let r = try Self.run(["import", dataset, "--quiet"], environment: ["REBATE_FAIL_AT_WRITE": "\(n)"])
            if r.status == 0 { break }
            #expect(r.status == 74 && Self.snapshot(store) == oldStore, "import, write \(n): \(r.stderr)")
            n += 1
        }
        #expect(n > 3 && Self.snapshot(store) != oldStore)
        // The store that got through is the one a clean import writes: accrue reads the same from both.
        let fromStore = parent + "/from-store"
        let fromCSV = parent + "/from-csv"
        #expect(try Self.run(["accrue", dataset, "--out", fromStore]).status == 0)
        #expect(try Self.run(["accrue", dataset, "--out", fromCSV, "--csv"]).status == 0)
        let strip = { (s: [String: Data]) in s.filter { $0.key != "summary.json" && $0.key != "report.html" } }
        #expect(strip(Self.snapshot(fromStore)) == strip(Self.snapshot(fromCSV)))
    }

    /// A file size limit (`ulimit -f`, which needs no root) stops the run with SIGXFSZ part-way
    /// through its writes: the folder still holds the previous set.
    @Test(arguments: [1, 4, 16])
    func aFileSizeLimitLeavesThePreviousSet(_ blocks: Int) throws {
        let (old, new) = try Self.datasets()
        let parent = Fixture.temporaryFolder()
        for job in ["accrue", "split"] {
            let out = parent + "/\(job)"
            #expect(try Self.run(Self.jobs[job]!(old, out)).status == 0)
            let before = Self.snapshot(out)
            let r = try Self.run(Self.jobs[job]!(new, out), fileSizeBlocks: blocks)
            #expect(r.status != 0, "\(job) under a \(blocks) KiB limit must fail")
            #expect(Self.snapshot(out) == before, "\(job) under a \(blocks) KiB limit left a mix")
            // The next run without a limit cleans up what the stopped one left and writes the new set.
            #expect(try Self.run(Self.jobs[job]!(new, out)).status == 0)
            #expect(Self.snapshot(out) != before)
            #expect(!(try FileManager.default.contentsOfDirectory(atPath: parent)).contains { $0.hasPrefix(".") })
        }
    }

    /// A second run into a folder that a run is writing is refused (exit 74) and changes nothing.
    @Test func aSecondRunIntoTheSameFolderIsRefused() throws {
        let (old, new) = try Self.datasets()
        let out = Fixture.temporaryFolder() + "/out"
        #expect(try Self.run(Self.jobs["accrue"]!(old, out)).status == 0)
        let before = Self.snapshot(out)
        var holder: OutputFolder? = try OutputFolder(out)
        let r = try Self.run(Self.jobs["accrue"]!(new, out))
        #expect(r.status == 74)
        #expect(r.stderr.contains("another rebate run is writing into this folder"), "\(r.stderr)")
        #expect(Self.snapshot(out) == before)
        #expect(holder != nil)
        holder = nil
        // Once the first run has gone, the folder is free again.
        #expect(try Self.run(Self.jobs["accrue"]!(new, out)).status == 0)
    }
}
