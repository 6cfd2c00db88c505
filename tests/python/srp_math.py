"""The number theory and formats of Cognito's SRP as a client computes them (written from the
protocol description), shared by the Cognito suites. Not a test file."""
import datetime
import hashlib

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDE"
    "F9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE"
    "386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F836"
    "55D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E"
    "772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728"
    "E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8"
    "CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE11757"
    "7A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def pad(n):
    """Big-endian bytes with a leading zero byte when the top bit is set (Cognito's padHex)."""
    h = "%x" % n
    if len(h) % 2:
        h = "0" + h
    elif h[0] in "89abcdef":
        h = "00" + h
    return bytes.fromhex(h)


def H(*parts):
    """SHA-256 of the concatenation, as an integer."""
    return int.from_bytes(hashlib.sha256(b"".join(parts)).digest(), "big")


K_MULT = H(pad(N), pad(G))


def timestamp(t=None, pad_day=False, weekday_shift=0):
    """The TIMESTAMP challenge answer, `Tue Nov 26 09:05:03 UTC 2026` (day not zero-padded)."""
    t = t or datetime.datetime.now(datetime.timezone.utc)
    day = ("%02d" if pad_day else "%d") % t.day
    return "%s %s %s %02d:%02d:%02d UTC %d" % (DAYS[(t.weekday() + weekday_shift) % 7], MONTHS[t.month - 1], day, t.hour, t.minute, t.second, t.year)
