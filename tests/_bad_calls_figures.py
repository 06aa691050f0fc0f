"""Bad calls of refconv.figures: rendering options, the index readers and the data functions' arguments."""

import numpy as np
from _bad_calls_row import bad

from refconv.figures import figure_9_4_data, figure_9_6_data, index_entries, render, report_section

_NOWHERE = "/nonexistent/refconv-figures"

ROWS = [
    bad(render, 3) >> (TypeError, r"render: out_dir=3 is not a path; expected a directory name"),
    bad(render, _NOWHERE, dpi=0) >> (ValueError, r"render: dpi=0 is too small.*expected an int >= 10"),
    bad(render, _NOWHERE, dpi=72.0) >> (TypeError, r"render: dpi=72\.0 is not an int"),
    bad(render, _NOWHERE, only=["fig-9.7"])
    >> (ValueError, r"render: only=\['fig-9\.7'\] has 'fig-9\.7', which matches no figure; expected globs over"),
    bad(render, _NOWHERE, only=[9.1]) >> (TypeError, r"render: only=\[9\.1\] is not a list of names"),
    bad(render, _NOWHERE, progress=1) >> (TypeError, r"render: progress=1 is not callable"),
    bad(index_entries, _NOWHERE)
    >> (
        ValueError,
        r"index_entries: out_dir='/nonexistent/refconv-figures' holds no index\.json; expected a directory written",
    ),
    bad(index_entries, None) >> (TypeError, r"index_entries: out_dir=None is not a path"),
    bad(report_section, _NOWHERE, "report.md", html="yes")
    >> (TypeError, r"report_section: html='yes' is not a bool; expected True"),
    bad(report_section, _NOWHERE, 5) >> (TypeError, r"report_section: report_path=5 is not a path"),
    bad(figure_9_4_data, depth=0) >> (ValueError, r"figure_9_4_data: depth=0 is less than 1"),
    bad(figure_9_4_data, depth="3") >> (TypeError, r"figure_9_4_data: depth='3' is not an int"),
    bad(figure_9_6_data, np.zeros((4, 4, 2)))
    >> (
        ValueError,
        r"figure_9_6_data: image=<ndarray shape=\(4, 4, 2\) dtype=float64> has shape \(4, 4, 2\); expected a 2-D gray",
    ),
    bad(figure_9_6_data, np.zeros((4, 1)))
    >> (
        ValueError,
        r"figure_9_6_data: image=<ndarray shape=\(4, 1\) dtype=float64> has width 1; expected an image at least 2",
    ),
    bad(figure_9_6_data, [["a", "b"]])
    >> (TypeError, r"figure_9_6_data: image=\[\['a', 'b'\]\] has dtype <U1; expected a numeric image"),
]
