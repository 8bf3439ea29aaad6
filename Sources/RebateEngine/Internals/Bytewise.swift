/// Bytewise ordering of UTF-8 strings (Swift's `<` on `String` is Unicode-aware, not bytewise).
enum Bytewise {
    static func less(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    static func less(_ a: [String], _ b: [String]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return less(x, y) }
        return a.count < b.count
    }
}
