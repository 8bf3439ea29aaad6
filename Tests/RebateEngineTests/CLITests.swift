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

    @Test func executableIsBuilt() {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.executable),
            "build with `swift build` before `swift test`: \(Self.executable)")
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
        #expect(settlements.contains("VOL-P001-2026,volume,P001,2026-04-01,2026-06-30,220,1100.00,0,1100.00,2,27.50\n"))
        let summary = try String(contentsOfFile: out + "/summary.json", encoding: .utf8)
        #expect(summary.contains("\"lines_read\": 21"))
        #expect(summary.contains("\"total_settled\": \"207.94\""))
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
        #expect(missing.stderr.hasPrefix("Error: no statement for 'NOBODY'"))
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

    /// Kills runs at many points: every output is then absent or complete, never half-written,
    /// and the next run cleans up and writes the same bytes.
    ///
    /// The kill points are fractions of a clean run of the same job timed on this machine, and go
    /// on past it, doubling, until one run finishes before its kill: so the test neither depends on
    /// the machine's speed nor can pass without having compared a complete output.
    @Test func killedRunsNeverLeaveHalfWrittenOutputs() throws {
        let dir = Fixture.temporaryFolder()
        _ = try DatasetGenerator(.init(lines: 150_000, partners: 300, products: 100, seed: 3)).write(
            to: dir, threads: 2)
        let reference = dir + "/reference"
        let arguments = ["accrue", dir, "--out", reference, "--quiet", "--csv"]
        let started = DispatchTime.now().uptimeNanoseconds
        #expect(try rebate(arguments).status == 0)
        let measured = max(1_000_000, DispatchTime.now().uptimeNanoseconds - started)
        let names = [
            "accruals.csv", "settlements.csv", "statements.csv", "anomalies.csv", "rejects.csv", "report.html",
        ]
        let expected = try names.map { try Data(contentsOf: URL(fileURLWithPath: reference + "/" + $0)) }
        var complete = 0
        var finishedBeforeKill = false
        var point = 0
        let steps = 16
        while !finishedBeforeKill {
            // 0/16 ... 16/16 of the measured run, then 2x, 4x, 8x ... until a run ends on its own.
            let delay = point <= steps ? measured * UInt64(point) / UInt64(steps) : measured << UInt64(point - steps)
            let out = dir + "/killed-\(point)"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.executable)
            p.arguments = ["accrue", dir, "--out", out, "--quiet", "--csv"]
            let exited = DispatchSemaphore(value: 0)
            p.terminationHandler = { _ in exited.signal() }
            try p.run()
            if exited.wait(timeout: .now() + .nanoseconds(Int(delay))) == .success {
                finishedBeforeKill = true
            } else {
                kill(p.processIdentifier, SIGKILL)
                exited.wait()
            }
            let torn = Self.tornOutputs(in: out, names: names, expected: expected)
            #expect(torn.isEmpty, "half-written after a kill at \(delay / 1000) µs: \(torn)")
            complete += names.filter { FileManager.default.fileExists(atPath: out + "/" + $0) }.count - torn.count
            // A re-run on the same input gives byte-identical files and leaves no temporary file.
            if point % 6 == 0 || finishedBeforeKill {
                #expect(try rebate(["accrue", dir, "--out", out, "--quiet"]).status == 0)
                #expect(Self.tornOutputs(in: out, names: names, expected: expected).isEmpty)
                #expect(names.allSatisfy { FileManager.default.fileExists(atPath: out + "/" + $0) })
                #expect(try FileManager.default.contentsOfDirectory(atPath: out).allSatisfy { !$0.hasPrefix(".") })
            }
            point += 1
            // 2^12 times the measured run: a run that has not ended by then is hung, not slow.
            #expect(point < steps + 12, "no run ended within 4096 times the measured \(measured / 1000) µs")
            if point >= steps + 12 { break }
        }
        #expect(complete > 0)
    }

    @Test func validateWritesNothing() throws {
        let r = try rebate(["validate", SampleTests.folder])
        #expect(r.status == 0)
        #expect(r.stdout.contains("21 lines read, 21 accepted, 0 rejected"))
    }
}
