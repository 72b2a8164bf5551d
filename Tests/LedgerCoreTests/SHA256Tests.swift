import Testing

@testable import LedgerCore

@Suite struct SHA256Tests {
  // FIPS 180-4 / NIST CAVP example vectors.
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
    (
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
    ),
  ])
  func nistVectors(message: String, digest: String) {
    #expect(SHA256.hex(message.utf8) == digest)
  }

  // Lengths around the padding boundaries (one or two final blocks); digests from Python's hashlib.
  @Test(arguments: [
    (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
    (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
    (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
    (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
    (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
    (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
    (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
  ])
  func paddingBoundaries(length: Int, digest: String) {
    #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: length)) == digest)
  }

  @Test func oneMillionA() {
    var hasher = SHA256.Hasher()
    let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
    for _ in 0..<1000 { hasher.update(chunk) }
    #expect(
      SHA256.hexString(hasher.finalize())
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func incrementalEqualsOneShotAcrossBlockBoundaries() {
    let message = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let expected = SHA256.hex(message)
    for split in [0, 1, 55, 56, 63, 64, 65, 128, 299, 300] {
      var hasher = SHA256.Hasher()
      hasher.update(message[..<split])
      hasher.update(message[split...])
      #expect(SHA256.hexString(hasher.finalize()) == expected, "split at \(split)")
    }
    #expect(SHA256.digest("abc".utf8).count == 32)
  }
}

@Suite struct SHA256ChunkingTests {
  @Test(arguments: [1, 3, 63, 64, 65, 127, 1000, 4096])
  func chunkedUpdatesMatchOneShot(chunk: Int) {
    let message = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    var hasher = SHA256.Hasher()
    var offset = 0
    while offset < message.count {
      let end = min(offset + chunk, message.count)
      hasher.update(message[offset..<end])
      offset = end
    }
    #expect(SHA256.hexString(hasher.finalize()) == SHA256.hex(message))
  }

  @Test func nonContiguousSequencesHash() {
    #expect(
      SHA256.hex("abc".utf8) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hex(stride(from: UInt8(97), through: 99, by: 1)) == SHA256.hex("abc".utf8))
  }
}

@Suite struct SHA256LargeInputTests {
  /// 3 MiB + 13 bytes from a 64-bit LCG (top bits of each state), not a multiple of 64.
  static let message: [UInt8] = {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    return (0..<3_145_741).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt8(truncatingIfNeeded: state >> 33)
    }
  }()
  /// `sha256sum` of the same bytes written to a file.
  static let expected = "64c97e09469286e9eb8bbf33f64cf809097974ed0b5cd5cff2b25585e7e8bb0d"

  /// Feeds `message` in chunks whose sizes cycle through `sizes`.
  static func hash(
    _ message: [UInt8], chunks sizes: [Int], backend: SHA256.Hasher.Backend = .automatic,
    raw: Bool = false
  ) -> String {
    var hasher = SHA256.Hasher(backend: backend)
    var offset = 0
    var index = 0
    message.withUnsafeBytes { bytes in
      while offset < message.count {
        let end = min(offset + sizes[index % sizes.count], message.count)
        if raw {
          hasher.update(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
        } else {
          hasher.update(message[offset..<end])
        }
        offset = end
        index += 1
      }
    }
    return SHA256.hexString(hasher.finalize())
  }

  @Test func oneShotMatchesSha256sum() {
    #expect(SHA256.hex(Self.message) == Self.expected)
    var hasher = SHA256.Hasher()
    Self.message.withUnsafeBytes { hasher.update($0) }
    #expect(SHA256.hexString(hasher.finalize()) == Self.expected)
  }

  @Test(arguments: [
    [63], [64], [65], [4097], [1_048_576],
    [1, 63, 64, 65, 4097], [0, 1, 2, 3, 127, 128, 129, 65_537], [64 * 1000 + 1, 1, 62, 7],
  ])
  func irregularChunksMatchOneShot(sizes: [Int]) {
    #expect(Self.hash(Self.message, chunks: sizes) == Self.expected)
    #expect(Self.hash(Self.message, chunks: sizes, raw: true) == Self.expected)
  }

  @Test func byteAtATimeMatchesOneShot() {
    let prefix = Array(Self.message.prefix(20_000))
    #expect(Self.hash(prefix, chunks: [1]) == SHA256.hex(prefix))
    #expect(Self.hash(prefix, chunks: [1], raw: true) == SHA256.hex(prefix))
  }

  @Test func emptyRawUpdatesChangeNothing() {
    var hasher = SHA256.Hasher()
    hasher.update(UnsafeRawBufferPointer(start: nil, count: 0))
    hasher.update("abc".utf8)
    hasher.update(UnsafeRawBufferPointer(start: nil, count: 0))
    #expect(
      SHA256.hexString(hasher.finalize())
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }

  @Test(arguments: [[3_145_741], [1, 63, 64, 65, 4097], [4097]])
  func portableMatchesAccelerated(sizes: [Int]) {
    let automatic = Self.hash(Self.message, chunks: sizes)
    let portable = Self.hash(Self.message, chunks: sizes, backend: .portable)
    #expect(automatic == Self.expected)
    #expect(portable == Self.expected)
  }

  @Test func portableMatchesAcceleratedForEveryShortLength() {
    for length in 0...300 {
      let prefix = Array(Self.message.prefix(length))
      let portable = Self.hash(prefix, chunks: [length + 1], backend: .portable)
      #expect(SHA256.hex(prefix) == portable, "length \(length)")
    }
  }
}
