import Dispatch
import Foundation
import RebateGenerator
import Testing

@testable import RebateEngine

/// Runs the built `rebate` executable and checks exit codes and messages.
@Suite struct CLITests {
    static var executable: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rebate")
                .path,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("rebate").path,
            URL(fileURLWithPath: SampleTests.folder).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug/rebate").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[2]
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func rebate(_ arguments: [String]) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.executable)
        p.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    /// The newest modification time of any file the `rebate` executable is built from.
    static var newestSource: Date {
        let root = URL(fileURLWithPath: SampleTests.folder).deletingLastPathComponent().deletingLastPathComponent()
        var newest = Date.distantPast
        let paths = ["Sources"].map { root.appendingPathComponent($0).path }
        for path in paths {
            var files = [path]
            if let walk = FileManager.default.enumerator(atPath: path) {
                files += walk.compactMap { ($0 as? String).map { path + "/" + $0 } }
            }
            for file in files {
                if let date = try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date,
                    date > newest
                {
                    newest = date
                }
            }
        }
        return newest
    }

    /// These tests spawn the built binary, so a binary older than its sources would test old code:
    /// it is refused, and `swift build && swift test` (the README's command) rebuilds it first.
    @Test func executableIsBuiltFromTheseSources() throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.executable),
            "build with `swift build` before `swift test`: \(Self.executable)")
        let built = try FileManager.default.attributesOfItem(atPath: Self.executable)[.modificationDate] as? Date
        #expect(
            (built ?? .distantPast) >= Self.newestSource,
            "\(Self.executable) is older than its sources: run `swift build && swift test`")
    }

    @Test func accrueOnTheSampleWritesEveryOutput() throws {
        let out = Fixture.temporaryFolder() + "/out"
        let r = try rebate(["accrue", SampleTests.folder, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        for name in [
            "accruals.csv", "settlements.csv", "statements.csv", "anomalies.csv", "rejects.csv", "summary.json",
            "report.html",
        ] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name)")
        }
        let settlements = try String(contentsOfFile: out + "/settlements.csv", encoding: .utf8)
        #expect(
            settlements.contains("VOL-P001-2026,volume,P001,2026-04-01,2026-06-30,220,1100.00,0,1100.00,2,27.50,,\n"))
        let summary = try String(contentsOfFile: out + "/summary.json", encoding: .utf8)
        #expect(summary.contains("\"lines_read\": 23"))
        #expect(summary.contains("\"total_settled\": \"255.70\""))
        // No temporary file is left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(!names.contains { $0.hasPrefix(".") })
    }

    @Test func rejectsOverTheLimitExitWithThreeAndKeepTheRejects() throws {
        let dir = Fixture.folder(
            agreements: Fixture.agreements([Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)]),
            transactions: Fixture.lines(["2026-01-01,P1,B,1,1.00", "2026-13-01,P1,B,1,1.00"]))
        let out = dir + "/out"
        let r = try rebate(["accrue", dir, "--out", out])
        #expect(r.status == 3)
        #expect(r.stderr.hasPrefix("Error: 1 transaction line was rejected"))
        let rejects = try String(contentsOfFile: out + "/rejects.csv", encoding: .utf8)
        #expect(
            rejects.contains(
                "transactions.csv,3,L2,\"date: \"\"2026-13-01\"\" is not a date YYYY-MM-DD in 1900...2999\",\"L2,2026-13-01,P1,B,1,1.00\"\n"
            ))
        #expect(!FileManager.default.fileExists(atPath: out + "/accruals.csv"))
        // With the limit raised, the run completes.
        let ok = try rebate(["accrue", dir, "--out", out, "--max-rejects", "1"])
        #expect(ok.status == 0)
        #expect(FileManager.default.fileExists(atPath: out + "/accruals.csv"))
    }

    @Test func badMasterDataExitsWithTwoAndNamesEveryProblem() throws {
        let dir = Fixture.folder(
            products: "product_id,name,category,pallet_qty\nA,W,C1,-1\nA,W,C1,\n",
            agreements: Fixture.agreements([
                Fixture.agreement(tiers: #"[{"from": "5", "per_unit": "1"}, {"from": "5", "per_unit": "2"}]"#)
            ]),
            transactions: Fixture.lines([]))
        let r = try rebate(["accrue", dir, "--out", dir + "/out"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("products.csv:2: pallet_qty: \"-1\" must be greater than 0"))
        #expect(r.stderr.contains("products.csv:3: product_id: duplicate id \"A\" (first on line 2)"))
        #expect(r.stderr.contains("agreements.json: agreements[0].tiers[1].from: not ascending"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/accruals.csv"))
    }

    @Test func usageErrorsPointToHelp() throws {
        let r = try rebate(["accrue", SampleTests.folder])
        #expect(r.status == 64)
        #expect(r.stderr.contains("Error: missing '--out <dir>'"))
        #expect(r.stderr.contains("rebate accrue --help"))
        let bad = try rebate(["accrue", SampleTests.folder, "--out", "/tmp/x", "--as-of", "2026-02-30"])
        #expect(bad.status == 64)
        let unknown = try rebate(["frobnicate"])
        #expect(unknown.status == 64)
    }

    @Test func helpAndVersion() throws {
        let help = try rebate(["--help"])
        #expect(help.status == 0)
        for section in ["OVERVIEW:", "USAGE:", "SUBCOMMANDS:", "OPTIONS:", "EXIT CODES:"] {
            #expect(help.stdout.contains(section))
        }
        let accrue = try rebate(["accrue", "--help"])
        for option in ["--out", "--as-of", "--threads", "--max-rejects", "ARGUMENTS:"] {
            #expect(accrue.stdout.contains(option))
        }
        #expect(try rebate(["--version"]).stdout.hasPrefix("rebate "))
    }

    @Test func statementForAPartner() throws {
        let out = Fixture.temporaryFolder() + "/statement.html"
        let r = try rebate([
            "statement", SampleTests.folder, "--partner", "P004", "--as-of", "2026-02-15", "--out", out,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("Rebate statement: Delta Supplies"))
        #expect(html.contains("LOG-P004-H1"))
        let missing = try rebate(["statement", SampleTests.folder, "--partner", "NOBODY", "--out", out])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains(#"--partner: no statement for "NOBODY""#), "\(missing.stderr)")
    }

    /// The outputs in `folder` that exist but differ from `expected`: a torn file.
    /// Absent files are fine (the run was killed before renaming them into place).
    static func tornOutputs(in folder: String, names: [String], expected: [Data]) -> [String] {
        zip(names, expected).compactMap { name, bytes in
            guard let found = FileManager.default.contents(atPath: folder + "/" + name) else { return nil }
            return found == bytes ? nil : name
        }
    }

    /// The check that the kill test relies on does find a torn file (so the kill test can fail).
    @Test func tornOutputsAreDetected() throws {
        let dir = Fixture.temporaryFolder()
        let whole = Data("agreement_id,month\nA,2026-01\n".utf8)
        try whole.write(to: URL(fileURLWithPath: dir + "/accruals.csv"))
        #expect(Self.tornOutputs(in: dir, names: ["accruals.csv", "report.html"], expected: [whole, whole]).isEmpty)
        try whole.prefix(12).write(to: URL(fileURLWithPath: dir + "/accruals.csv"))
        #expect(
            Self.tornOutputs(in: dir, names: ["accruals.csv", "report.html"], expected: [whole, whole]) == [
                "accruals.csv"
            ])
    }

    /// Kills runs at many points, each into a folder holding the set of an earlier run on fewer
    /// lines: the folder then holds that earlier set or the new one whole, never a mix and never a
    /// half-written file, and the next run cleans up and writes the same bytes.
    ///
    /// The kill points are fractions of a clean run of the same job timed on this machine, and go
    /// on past it, doubling, until one run finishes before its kill: so the test neither depends on
    /// the machine's speed nor can pass without having compared a complete output.
    @Test(arguments: [["accrue"], ["close", "--month", "2026-09"], ["portal", "--as-of", "2026-06-30"]])
    func killedRunsNeverLeaveHalfWrittenOutputs(_ job: [String]) throws {
        let dir = Fixture.temporaryFolder()
        _ = try DatasetGenerator(.init(lines: 150_000, partners: 300, products: 100, seed: 3)).write(
            to: dir, threads: 2)
        // The earlier run's dataset: the same master data, the first half of the lines.
        let earlier = Fixture.temporaryFolder()
        for name in ["partners.csv", "products.csv", "agreements.json"] {
            try FileManager.default.copyItem(atPath: dir + "/" + name, toPath: earlier + "/" + name)
        }
        let lines = try String(contentsOfFile: dir + "/transactions.csv", encoding: .utf8).split(separator: "\n")
        try (lines.prefix(lines.count / 2).joined(separator: "\n") + "\n")
            .write(toFile: earlier + "/transactions.csv", atomically: true, encoding: .utf8)
        let reference = dir + "/reference"
        let earlierSet = dir + "/earlier"
        let command = { (data: String, out: String) in [job[0], data] + job.dropFirst() + ["--out", out, "--quiet"] }
        #expect(try rebate(command(earlier, earlierSet) + ["--csv"]).status == 0)
        let started = DispatchTime.now().uptimeNanoseconds
        #expect(try rebate(command(dir, reference) + ["--csv"]).status == 0)
        let measured = max(1_000_000, DispatchTime.now().uptimeNanoseconds - started)
        let (earlierFiles, newFiles) = (OutputSetTests.snapshot(earlierSet), OutputSetTests.snapshot(reference))
        #expect(earlierFiles != newFiles)
        let names =
            job[0] == "portal"
            ? ["index.html"]
            : ["accruals.csv", "settlements.csv", "statements.csv", "anomalies.csv", "rejects.csv", "report.html"]
                + (job[0] == "close" ? CloseJob.closeOutputs : [])
        let expected = try names.map { try Data(contentsOf: URL(fileURLWithPath: reference + "/" + $0)) }
        var complete = 0
        var finishedBeforeKill = false
        var point = 0
        let steps = 16
        while !finishedBeforeKill {
            // 0/16 ... 16/16 of the measured run, then 2x, 4x, 8x ... until a run ends on its own.
            let delay = point <= steps ? measured * UInt64(point) / UInt64(steps) : measured << UInt64(point - steps)
            let out = dir + "/killed-\(point)"
            try FileManager.default.copyItem(atPath: earlierSet, toPath: out)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.executable)
            p.arguments = command(dir, out) + ["--csv"]
            let exited = DispatchSemaphore(value: 0)
            p.terminationHandler = { _ in exited.signal() }
            try p.run()
            if exited.wait(timeout: .now() + .nanoseconds(Int(delay))) == .success {
                finishedBeforeKill = true
            } else {
                kill(p.processIdentifier, SIGKILL)
                exited.wait()
            }
            let found = OutputSetTests.snapshot(out)
            #expect(found == earlierFiles || found == newFiles, "a mix after a kill at \(delay / 1000) µs")
            if found == newFiles { complete += 1 }
            // A re-run on the same input gives byte-identical files and leaves no temporary file.
            if point % 6 == 0 || finishedBeforeKill {
                #expect(try rebate(command(dir, out)).status == 0)
                #expect(Self.tornOutputs(in: out, names: names, expected: expected).isEmpty)
                #expect(names.allSatisfy { FileManager.default.fileExists(atPath: out + "/" + $0) })
                #expect(try FileManager.default.contentsOfDirectory(atPath: out).allSatisfy { !$0.hasPrefix(".") })
                // The next run removed what the killed one left beside the folder (its staging folder).
                #expect(
                    try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy {
                        !$0.hasPrefix(".killed-\(point).")
                    })
            }
            point += 1
            // 2^12 times the measured run: a run that has not ended by then is hung, not slow.
            #expect(point < steps + 12, "no run ended within 4096 times the measured \(measured / 1000) µs")
            if point >= steps + 12 { break }
        }
        #expect(complete > 0)
    }

    /// The close through the CLI: the ledger carried from one month to the next (figures by hand:
    /// 1.00 a unit, 10 units in January, 5 in February).
    @Test func closeCarriesTheLedgerFromMonthToMonth() throws {
        let agreements = Fixture.agreements([
            Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#, extra: #""settlement": "quarter""#)
        ])
        let dir = Fixture.folder(
            agreements: agreements,
            transactions: Fixture.lines(["2026-01-10,P1,B,10,100.00", "2026-02-10,P1,B,5,50.00"]))
        let jan = try rebate(["close", dir, "--month", "2026-01", "--out", dir + "/jan"])
        #expect(jan.status == 0, "\(jan.stderr)")
        let ledger = try String(contentsOfFile: dir + "/jan/ledger.csv", encoding: .utf8)
        #expect(ledger == LedgerFile.header + "\nAG1,P1,2026-01-01,2026-03-31,10.00,0.00\n")
        let feb = try rebate([
            "close", dir, "--month", "2026-02", "--out", dir + "/feb", "--ledger", dir + "/jan/ledger.csv",
        ])
        #expect(feb.status == 0, "\(feb.stderr)")
        let journal = try String(contentsOfFile: dir + "/feb/journal.csv", encoding: .utf8)
        #expect(
            journal == MonthEndClose.journalHeader
                + "\n2026-02-28,AG1,P1,2026-01-01,2026-03-31,accrual,rebate_expense,accrued_rebates,5.00\n")
        for name in AccrualJob.accrualOutputs + CloseJob.closeOutputs + ["rejects.csv", "summary.json"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/feb/" + name), "\(name)")
        }
        let summary = try String(contentsOfFile: dir + "/feb/summary.json", encoding: .utf8)
        #expect(summary.contains(#""ledger_before": {"rows": 1, "accrued": "10.00", "paid": "0.00"}"#))
        #expect(summary.contains(#""ledger_after": {"rows": 1, "accrued": "15.00", "paid": "0.00"}"#))
        #expect(summary.contains(#""reconciles": true"#))
        #expect(summary.contains(#""as_of": "2026-02-28""#))
        let html = try String(contentsOfFile: dir + "/feb/report.html", encoding: .utf8)
        #expect(html.contains("Month-end close 2026-02"))
        #expect(html.contains("current period: 1 entry of 5.00\u{00A0}EUR"))
        // Closing again with the ledger just written books nothing.
        let again = try rebate([
            "close", dir, "--month", "2026-02", "--out", dir + "/feb2", "--ledger", dir + "/feb/ledger.csv",
        ])
        #expect(again.status == 0)
        #expect(
            try String(contentsOfFile: dir + "/feb2/journal.csv", encoding: .utf8) == MonthEndClose.journalHeader + "\n"
        )
        #expect(
            try String(contentsOfFile: dir + "/feb2/payments.csv", encoding: .utf8) == MonthEndClose.paymentsHeader
                + "\n")
    }

    @Test func aBadLedgerStopsTheCloseBeforeAnythingIsWritten() throws {
        let dir = Fixture.folder(
            agreements: Fixture.agreements([Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)]),
            transactions: Fixture.lines(["2026-01-10,P1,B,10,100.00"]))
        try
            "agreement_id,beneficiary,period_start,period_end,accrued,paid\nAG1,P1,2026-01-01,2026-12-31,1.234,0\nAG1,P1,2026-01-01,2026-12-31,1,0\n"
            .write(toFile: dir + "/ledger.csv", atomically: true, encoding: .utf8)
        let r = try rebate(["close", dir, "--month", "2026-01", "--out", dir + "/out", "--ledger", dir + "/ledger.csv"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("ledger.csv:2: accrued: \"1.234\" has more than 2 decimal places"))
        #expect(
            r.stderr.contains(
                "ledger.csv:3: agreement_id: agreement \"AG1\" period 2026-01-01..2026-12-31 repeats line 2"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        let badMonth = try rebate(["close", dir, "--month", "2026-13", "--out", dir + "/out"])
        #expect(badMonth.status == 64)
        let help = try rebate(["close", "--help"])
        for option in [
            "--month <yyyy-mm>", "--out <dir>", "--ledger <file>", "--threads", "--max-rejects", "--csv", "--quiet",
        ] {
            #expect(help.stdout.contains(option), "\(option)")
        }
    }

    /// A run that would not fit stops before loading, with exit 74, the estimate and a shard count.
    @Test func theMemoryGuardStopsARunThatWouldNotFit() throws {
        let dir = Fixture.temporaryFolder()
        _ = try DatasetGenerator(.init(lines: 20_000, partners: 40, products: 40, seed: 2)).write(to: dir, threads: 2)
        let csv = try FileManager.default.attributesOfItem(atPath: dir + "/transactions.csv")[.size] as! UInt64
        // The estimate: 6/5 of the CSV bytes and 64 MiB; give it a third of that.
        let need = csv / 5 * 6 + (64 << 20)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.executable)
        p.arguments = ["accrue", dir, "--out", dir + "/out"]
        p.environment = ["REBATE_MEMORY_LIMIT": String(need / 3)]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 74)
        // need / (need/3 * 4/5) rounds up to 4 shards.
        #expect(message.contains("run `rebate split \(dir) --shards 4 --out DIR`"), "\(message)")
        #expect(message.contains("GiB of memory"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func validateWritesNothing() throws {
        let r = try rebate(["validate", SampleTests.folder])
        #expect(r.status == 0)
        #expect(r.stdout.contains("23 lines read, 23 accepted, 0 rejected"))
    }
}
