# SPDX-License-Identifier: Apache-2.0
"""The seeded fault campaign's short run (ctest fault.campaign, issue #13): fixed seeds, a few
seconds of faults each, every record judged by campaign_check.py. The long run is by hand:
campaign.py --seed S --duration 180 (README in this folder)."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import campaign  # noqa: E402

# Fixed seeds and lengths: the schedule of faults is the seed's; the processes' timing is not.
SEEDS = [int(s) for s in os.environ.get("STATEBUS_CAMPAIGN_SEEDS", "11,12").split(",")]
SECONDS = float(os.environ.get("STATEBUS_CAMPAIGN_SECONDS", "15"))
NODES = 6


class CampaignTest(unittest.TestCase):

    def test_fixed_seeds(self):
        for seed in SEEDS:
            with self.subTest(seed=seed):
                violations, counts, faults, record = campaign.run_campaign(seed, SECONDS, NODES)
                sys.stderr.write(f"campaign: seed={seed} faults={faults} checked={counts}\n")
                self.assertEqual(violations, [], f"seed {seed}: record kept at {record}")
                self.assertGreater(counts.get("node commands", 0), 0, "the run did something")


if __name__ == "__main__":
    unittest.main()
