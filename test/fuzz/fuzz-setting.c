/* SPDX-License-Identifier: Apache-2.0 */
/* sb_setting_decode() (system/settings/<name>/set from operators, system/settings/<name> from
 * the coordinator) on untrusted bytes, for each setting, with and without bare values. */
#include "statebus/payload.h"

#include "fuzz-util.h"

static void check_setting(const SbSettingValue *s)
{
    char a[SB_PAYLOAD_MAX + 1], b[SB_PAYLOAD_MAX + 1];
    const char *why = NULL;
    SbSettingValue again;
    int la, lb;

    switch (s->name) {
    case SB_SETTING_POWER_RESTORE_POLICY:
    case SB_SETTING_POWER_RESTORE_ONE_TIME:
        FUZZ_REQUIRE(s->policy > SB_POLICY_UNKNOWN && s->policy < SB_POLICY_COUNT,
                     "a decoded policy is known");
        break;
    case SB_SETTING_POWER_RESTORE_DELAY:
        FUZZ_REQUIRE(s->delay_s <= 86400, "a decoded delay is 0..86400 s");
        break;
    case SB_SETTING_SCHEDULED_TRANSITION:
        FUZZ_REQUIRE(!s->scheduled || s->scheduled_transition == SB_TRANSITION_ON ||
                             s->scheduled_transition == SB_TRANSITION_OFF ||
                             s->scheduled_transition == SB_TRANSITION_REBOOT,
                     "a scheduled transition is On, Off or Reboot");
        break;
    case SB_SETTING_NONE:
    case SB_SETTING_COUNT:
        FUZZ_REQUIRE(false, "a decoded setting has its name");
        break;
    }
    la = sb_setting_encode(s, a, sizeof(a));
    if (!fuzz_encoded_fits(la, "an accepted setting encodes")) {
        return;
    }
    FUZZ_REQUIRE(sb_setting_decode(a, (size_t) la, s->name, false, &again, &why) == 0,
                 "our own setting encoding decodes");
    again.name = s->name;
    lb = sb_setting_encode(&again, b, sizeof(b));
    fuzz_check_same(a, la, b, lb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int name = SB_SETTING_POWER_RESTORE_POLICY; name < SB_SETTING_COUNT; name++) {
        for (int bare = 0; bare <= 1; bare++) {
            const char *why = NULL;
            SbSettingValue s;
            int r;

            r = sb_setting_decode(data, size, (SbSettingName) name, bare, &s, &why);
            if (r < 0) {
                fuzz_check_decode_failure(r, why, size);
                continue;
            }
            s.name = (SbSettingName) name;
            check_setting(&s);
        }
    }
    return 0;
}
