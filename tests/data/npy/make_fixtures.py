# Regenerates the .npy fixtures for tests/samples_test.cpp. Run with Debian's Python:
#   /usr/bin/python3 tests/data/npy/make_fixtures.py
# The expected values in the tests are the literals below, not output of klest.
import os

import numpy as np
import numpy.lib.format as fmt

here = os.path.dirname(os.path.abspath(__file__))


def save(name, a):
    np.save(os.path.join(here, name), a, allow_pickle=True)


save("f8_2d.npy", np.array([[1.5, -2.0], [0.25, 3e10], [-0.0, 1e-300]], dtype="<f8"))
save("f4_2d.npy", np.array([[0.5, -1.25], [3.0, 1e-3]], dtype="<f4"))
save("f4_big_endian.npy", np.array([[0.5, -1.25], [3.0, 1e-3]], dtype=">f4"))
save("f8_big_endian.npy", np.array([[1.5, -2.0], [0.1, 1e300]], dtype=">f8"))
save("i1_2d.npy", np.array([[-128, 127], [0, -1]], dtype="i1"))
save("i2_big_endian.npy", np.array([[-32768, 32767], [258, -2]], dtype=">i2"))
save("i4_2d.npy", np.array([[1, -2, 3], [-2147483648, 2147483647, 0]], dtype="<i4"))
save("i8_2d.npy", np.array([[-5, 2**40], [2**53 + 1, -(2**63)]], dtype="<i8"))
save("u1_2d.npy", np.array([[0, 255], [128, 7]], dtype="u1"))
save("u2_2d.npy", np.array([[65535, 1]], dtype="<u2"))
save("u4_big_endian.npy", np.array([[4294967295, 2]], dtype=">u4"))
save("u8_2d.npy", np.array([[2**64 - 1, 3]], dtype="<u8"))
save("f8_1d.npy", np.array([0.5, 1.5, -2.5, 4.0]))
save("f8_fortran.npy", np.asfortranarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])))
save("f8_3d.npy", np.zeros((2, 2, 2)))
save("f8_scalar.npy", np.array(3.0))
save("f8_no_rows.npy", np.zeros((0, 2)))
save("f8_no_columns.npy", np.zeros((3, 0)))
save("f8_nan.npy", np.array([[1.0, 2.0], [3.0, np.nan], [5.0, 6.0]]))
save("f8_neg_inf.npy", np.array([[1.0, 2.0], [3.0, 4.0], [-np.inf, 6.0]]))
save("bool.npy", np.array([[True, False]]))
save("complex.npy", np.array([[1 + 2j]], dtype="<c16"))
save("structured.npy", np.array([(1.0, 2)], dtype=[("a", "<f8"), ("b", "<i4")]))
save("unicode.npy", np.array([["ab", "cd"]]))
save("object.npy", np.array([[1.0, None]], dtype=object))

for version in [(2, 0), (3, 0)]:
    with open(os.path.join(here, "f8_v%d.npy" % version[0]), "wb") as f:
        fmt.write_array(f, np.array([[1.0, 2.0], [3.0, 4.0]]), version=version)

# 100x2 float64 needs 1600 data bytes; drop the last 8.
a = np.arange(200, dtype="<f8").reshape(100, 2)
save("f8_truncated.npy", a)
path = os.path.join(here, "f8_truncated.npy")
with open(path, "rb") as f:
    data = f.read()
with open(path, "wb") as f:
    f.write(data[:-8])

save("f8_trailing_bytes.npy", np.array([[1.0, 2.0], [3.0, 4.0]]))
with open(os.path.join(here, "f8_trailing_bytes.npy"), "ab") as f:
    f.write(b"\0" * 8)
