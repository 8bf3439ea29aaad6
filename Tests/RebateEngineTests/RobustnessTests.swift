import Foundation
import Testing

@testable import RebateEngine

/// Fuzz-style robustness of the readers, inside `swift test`.
@Suite struct RobustnessTests {
    static let root = URL(fileURLWithPath: SampleTests.folder).deletingLastPathComponent().deletingLastPathComponent()

    @Test func savedFuzzInputsStillHold() throws {
        var replayed = 0
        for target in FuzzChecks.targets {
            for kind in ["seeds", "regressions"] {
                let dir = Self.root.appendingPathComponent("fuzz/\(kind)/\(target)")
                for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
                where !name.hasPrefix(".") {
                    let data = Array(try Data(contentsOf: dir.appendingPathComponent(name)))
                    let broken = FuzzChecks.check(target, data)
                    #expect(broken == nil, "\(kind)/\(target)/\(name): \(broken ?? "")")
                    replayed += 1
                }
            }
        }
        #expect(replayed >= 7)
    }

    /// Thousands of corrupted CSV inputs: truncations, stray quotes, invalid UTF-8,
    /// huge fields, missing columns. Every line is accepted or rejected with a reason,
    /// read = accepted + rejected, and any chunking gives the same result.
    @Test func corruptedCSVNeverCrashesOrLosesALine() {
        let good = Array(
            ("L1,2026-01-01,P1,A,10,1.00\n\"L2\",2026-01-02,P2,B,-1.5,-2.00\nL3,2026-03-01,P1,A,0,5.00\r\n"
                + "\"L,4\",2026-02-28,P1,B,2.5,\"3.00\"\nL5,2026-12-31,P2,A,1000,999.99\n").utf8)
        var rng = SplitMix(seed: 2026)
        var cases = 0
        for _ in 0..<2_000 {
            var bytes = [UInt8(rng.next() % 64)] + good
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = 1 + Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 7 {
                case 0: bytes.removeSubrange(at...) // truncation
                case 1: bytes.insert(UInt8(ascii: "\""), at: at) // stray quote
                case 2: bytes.insert(contentsOf: [0xFF, 0xC3], at: at) // invalid UTF-8
                case 3:
                    // huge field
                    bytes.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "9"), count: 300), at: at)
                case 4:
                    // missing column
                    if let comma = bytes[at...].firstIndex(of: 44) { bytes.remove(at: comma) }
                case 5: bytes.insert(contentsOf: Array(",\n\r".utf8).shuffled(using: &rng).prefix(2), at: at)
                default: if at < bytes.count { bytes[at] = UInt8(rng.next() & 0xFF) }
                }
            }
            let broken = FuzzChecks.csv(bytes)
            #expect(broken == nil, "\(broken ?? ""): \(bytes)")
            cases += 1
        }
        #expect(cases == 2_000)
    }

    @Test func aRecordLongerThanTheLimitIsRejectedAlone() throws {
        let huge = String(repeating: "x", count: (1 << 20) + 10)
        let dir = Fixture.folder(
            agreements: Fixture.agreements([]),
            transactions:
                "line_id,date,partner_id,product_id,quantity,amount\nL1,2026-01-01,P1,B,1,1.00\nL2,2026-01-01,P1,B,1,\(huge)\nL3,2026-01-01,P1,B,1,1.00\n"
        )
        let loaded = try DatasetLoader.load(folder: dir)
        #expect(loaded.rejects.map(\.line) == [3])
        #expect(loaded.rejects.first?.reason.contains("longer than 1048576 bytes") == true)
        #expect(loaded.totals.linesAccepted == 2)
    }

    @Test func mixedLineEndingsAndUTF8Ids() throws {
        let dir = Fixture.folder(
            partners: "partner_id,name,group_id\r\nPł,Łódź Hurt,\nP1,A,\r\n", agreements: Fixture.agreements([]),
            transactions:
                "line_id,date,partner_id,product_id,quantity,amount\r\nŁ1,2026-01-01,Pł,B,1,1.00\nL2,2026-01-02,P1,B,2,2.00\r\n"
        )
        let loaded = try DatasetLoader.load(folder: dir)
        #expect(loaded.rejects.isEmpty)
        #expect(loaded.dataset.transactions.count == 2)
        #expect(loaded.dataset.partners.first?.name == "Łódź Hurt")
    }

    @Test func noFloatingPointOnTheMoneyPath() throws {
        let sources = Self.root.appendingPathComponent("Sources/RebateEngine")
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }.filter {
            $0.hasSuffix(".swift")
        }
        #expect(files.count > 20)
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            // Identifiers in code (comments aside): none may name a binary or Foundation decimal type.
            for line in text.split(separator: "\n") where !String(line).trimmingSpaces().hasPrefix("//") {
                let tokens = Set(line.split { !$0.isLetter && !$0.isNumber && $0 != "_" }.map(String.init))
                for word in [
                    "Double", "Float", "Float32", "Float64", "Float80", "CGFloat", "Decimal", "NSDecimalNumber",
                ] {
                    #expect(!tokens.contains(word), "\(file): \(line)")
                }
            }
        }
    }
}
