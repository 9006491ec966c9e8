// The preview-1 ABI as the guest sees it: errno values, rights, flags and the byte layouts of
// the structures the host writes into guest memory. Values come from the witx definition of
// wasi_snapshot_preview1; layouts are those of wasm32 (4-byte pointers, natural alignment).
// Internal to the wasi layer.
#pragma once

#include <cstdint>

namespace tw::wasi {

enum class Errno : uint16_t {
  Success = 0, TooBig = 1, Acces = 2, AddrInUse = 3, AddrNotAvail = 4, AfNoSupport = 5,
  Again = 6, Already = 7, Badf = 8, BadMsg = 9, Busy = 10, Canceled = 11, Child = 12,
  ConnAborted = 13, ConnRefused = 14, ConnReset = 15, Deadlk = 16, DestAddrReq = 17, Dom = 18,
  Dquot = 19, Exist = 20, Fault = 21, Fbig = 22, HostUnreach = 23, Idrm = 24, Ilseq = 25,
  InProgress = 26, Intr = 27, Inval = 28, Io = 29, IsConn = 30, IsDir = 31, Loop = 32,
  Mfile = 33, Mlink = 34, MsgSize = 35, Multihop = 36, NameTooLong = 37, NetDown = 38,
  NetReset = 39, NetUnreach = 40, Nfile = 41, NoBufs = 42, NoDev = 43, NoEnt = 44,
  NoExec = 45, NoLck = 46, NoLink = 47, NoMem = 48, NoMsg = 49, NoProtoOpt = 50, NoSpc = 51,
  NoSys = 52, NotConn = 53, NotDir = 54, NotEmpty = 55, NotRecoverable = 56, NotSock = 57,
  NotSup = 58, NoTty = 59, Nxio = 60, Overflow = 61, OwnerDead = 62, Perm = 63, Pipe = 64,
  Proto = 65, ProtoNoSupport = 66, ProtoType = 67, Range = 68, Rofs = 69, Spipe = 70,
  Srch = 71, Stale = 72, TimedOut = 73, TxtBsy = 74, Xdev = 75, NotCapable = 76,
};

// Maps a host errno value to the guest's errno (Io for anything unexpected).
Errno errnoFromHost(int hostErrno);

enum class Filetype : uint8_t {
  Unknown = 0, BlockDevice = 1, CharacterDevice = 2, Directory = 3, RegularFile = 4,
  SocketDgram = 5, SocketStream = 6, SymbolicLink = 7,
};

namespace rights {
inline constexpr uint64_t FdDatasync = 1ull << 0;
inline constexpr uint64_t FdRead = 1ull << 1;
inline constexpr uint64_t FdSeek = 1ull << 2;
inline constexpr uint64_t FdFdstatSetFlags = 1ull << 3;
inline constexpr uint64_t FdSync = 1ull << 4;
inline constexpr uint64_t FdTell = 1ull << 5;
inline constexpr uint64_t FdWrite = 1ull << 6;
inline constexpr uint64_t FdAdvise = 1ull << 7;
inline constexpr uint64_t FdAllocate = 1ull << 8;
inline constexpr uint64_t PathCreateDirectory = 1ull << 9;
inline constexpr uint64_t PathCreateFile = 1ull << 10;
inline constexpr uint64_t PathLinkSource = 1ull << 11;
inline constexpr uint64_t PathLinkTarget = 1ull << 12;
inline constexpr uint64_t PathOpen = 1ull << 13;
inline constexpr uint64_t FdReaddir = 1ull << 14;
inline constexpr uint64_t PathReadlink = 1ull << 15;
inline constexpr uint64_t PathRenameSource = 1ull << 16;
inline constexpr uint64_t PathRenameTarget = 1ull << 17;
inline constexpr uint64_t PathFilestatGet = 1ull << 18;
inline constexpr uint64_t PathFilestatSetSize = 1ull << 19;
inline constexpr uint64_t PathFilestatSetTimes = 1ull << 20;
inline constexpr uint64_t FdFilestatGet = 1ull << 21;
inline constexpr uint64_t FdFilestatSetSize = 1ull << 22;
inline constexpr uint64_t FdFilestatSetTimes = 1ull << 23;
inline constexpr uint64_t PathSymlink = 1ull << 24;
inline constexpr uint64_t PathRemoveDirectory = 1ull << 25;
inline constexpr uint64_t PathUnlinkFile = 1ull << 26;
inline constexpr uint64_t PollFdReadwrite = 1ull << 27;
inline constexpr uint64_t SockShutdown = 1ull << 28;
inline constexpr uint64_t SockAccept = 1ull << 29;
inline constexpr uint64_t All = (1ull << 30) - 1;

// Rights meaningful on a regular file or stream.
inline constexpr uint64_t File = FdDatasync | FdRead | FdSeek | FdFdstatSetFlags | FdSync |
                                 FdTell | FdWrite | FdAdvise | FdAllocate | FdFilestatGet |
                                 FdFilestatSetSize | FdFilestatSetTimes | PollFdReadwrite;
// Rights meaningful on a directory.
inline constexpr uint64_t Directory =
    FdFdstatSetFlags | FdSync | FdAdvise | PathCreateDirectory | PathCreateFile |
    PathLinkSource | PathLinkTarget | PathOpen | FdReaddir | PathReadlink | PathRenameSource |
    PathRenameTarget | PathFilestatGet | PathFilestatSetSize | PathFilestatSetTimes |
    FdFilestatGet | FdFilestatSetTimes | PathSymlink | PathRemoveDirectory | PathUnlinkFile;
// Rights that change the filesystem; withheld under a read-only preopen.
inline constexpr uint64_t Mutating =
    FdDatasync | FdWrite | FdAllocate | PathCreateDirectory | PathCreateFile | PathLinkSource |
    PathLinkTarget | PathRenameSource | PathRenameTarget | PathFilestatSetSize |
    PathFilestatSetTimes | FdFilestatSetSize | FdFilestatSetTimes | PathSymlink |
    PathRemoveDirectory | PathUnlinkFile;
}  // namespace rights

inline constexpr uint16_t kOflagCreat = 1, kOflagDirectory = 2, kOflagExcl = 4, kOflagTrunc = 8;
inline constexpr uint16_t kFdflagAppend = 1, kFdflagDsync = 2, kFdflagNonblock = 4,
                          kFdflagRsync = 8, kFdflagSync = 16;
inline constexpr uint32_t kLookupSymlinkFollow = 1;
inline constexpr uint16_t kFstAtim = 1, kFstAtimNow = 2, kFstMtim = 4, kFstMtimNow = 8;
inline constexpr uint8_t kWhenceSet = 0, kWhenceCur = 1, kWhenceEnd = 2;
inline constexpr uint8_t kEventClock = 0, kEventFdRead = 1, kEventFdWrite = 2;
inline constexpr uint16_t kSubclockAbstime = 1;
inline constexpr uint8_t kPreopenDir = 0;

// Byte layouts (wasm32).
inline constexpr uint32_t kIovecSize = 8;          // buf u32, buf_len u32
inline constexpr uint32_t kFdstatSize = 24;        // filetype u8 @0, flags u16 @2,
                                                   // rights_base u64 @8, inheriting u64 @16
inline constexpr uint32_t kFilestatSize = 64;      // dev @0, ino @8, filetype u8 @16,
                                                   // nlink @24, size @32, atim @40,
                                                   // mtim @48, ctim @56
inline constexpr uint32_t kPrestatSize = 8;        // tag u8 @0, name_len u32 @4
inline constexpr uint32_t kDirentHeaderSize = 24;  // next @0, ino @8, namlen u32 @16, type @20
inline constexpr uint32_t kSubscriptionSize = 48;  // userdata @0, tag u8 @8, union @16
inline constexpr uint32_t kEventSize = 32;         // userdata @0, error u16 @8, type u8 @10,
                                                   // nbytes u64 @16, flags u16 @24
inline constexpr uint32_t kMaxIovecs = 1024;
inline constexpr uint32_t kMaxPathBytes = 4096;

}  // namespace tw::wasi
