// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "vipps-ledger",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "vipps-ledger", targets: ["vipps-ledger"]),
    .library(name: "LedgerCore", targets: ["LedgerCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.10.0"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CLibXML2",
      pkgConfig: "libxml-2.0",
      providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
    ),
    .target(name: "CSHA256"),
    .target(name: "CFileCopy"),
    .target(
      name: "LedgerCore",
      dependencies: ["CLibXML2", "CSHA256", "CFileCopy", .product(name: "Yams", package: "Yams")]
    ),
    .target(
      name: "ReportAPI",
      dependencies: [
        "LedgerCore",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .target(
      name: "MockReportAPI",
      dependencies: [
        "LedgerCore",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .target(
      name: "StateStore",
      dependencies: ["LedgerCore", .product(name: "GRDB", package: "GRDB.swift")]
    ),
    .executableTarget(
      name: "vipps-ledger",
      dependencies: [
        "LedgerCore",
        "ReportAPI",
        "MockReportAPI",
        "StateStore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .executableTarget(
      name: "ledger-bench",
      dependencies: [
        "LedgerCore", "ReportAPI", "MockReportAPI", "StateStore",
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .testTarget(
      name: "LedgerCoreTests",
      dependencies: ["LedgerCore"]
    ),
    .testTarget(
      name: "ReportAPITests",
      dependencies: [
        "LedgerCore", "ReportAPI", "MockReportAPI", "StateStore",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .testTarget(
      name: "StateStoreTests",
      dependencies: ["LedgerCore", "StateStore"]
    ),
    .testTarget(
      name: "CLITests",
      dependencies: ["LedgerCore", "StateStore", "vipps-ledger", "ledger-bench"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
