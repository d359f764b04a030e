#!/usr/bin/env python3
"""Tests of gen_members.py on edited copies of the source model: a member the model adds to
Profile lands in the list of its kind (and so reaches the service rules that read the list), and a
member of a kind the service does not handle stops the generator. Run by check.sh.

Usage: python3 tools/codegen/gen_members_test.py [-v]
"""

import copy
import io
import os
import sys
import unittest
from contextlib import redirect_stderr

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_members  # noqa: E402
import gen_spec  # noqa: E402

PATCHES = os.path.join(gen_spec.ROOT, "spec", "patches.json")
SOURCE = gen_spec.load_source(gen_spec.DEFAULT_MODEL, PATCHES)


def list_of(text, name):
    """The values of `inline constexpr std::string_view <name>[] = {...};` in the header."""
    start = text.index("std::string_view %s[] = {" % name)
    body = text[text.index("{", start) + 1:text.index("};", start)]
    return [line.strip().rstrip(",").strip('"') for line in body.splitlines() if line.strip()]


def with_profile_member(name, shape, in_create=True):
    model = copy.deepcopy(SOURCE)
    targets = ["Profile"] + (["CreateProfileRequest", "UpdateProfileRequest"] if in_create else [])
    for target in targets:
        model["shapes"][target]["members"][name] = {"shape": shape}
    return model


class GenMembersTest(unittest.TestCase):
    def test_current_model_lists_in_model_order(self):
        text = gen_members.render(SOURCE)
        self.assertEqual(list_of(text, "kProfileAddressMembers"),
                         ["Address", "ShippingAddress", "MailingAddress", "BillingAddress"])
        strings = list_of(text, "kProfileStringMembers")
        self.assertEqual(strings[:3], ["AccountNumber", "AdditionalInformation", "PartyType"])
        self.assertNotIn("ProfileId", strings)
        self.assertEqual(list_of(text, "kProfileReadOnlyMembers"), ["ProfileId", "FoundByItems"])

    def test_new_string_member_is_listed(self):
        text = gen_members.render(with_profile_member("LoyaltyTier", "sensitiveString1To255"))
        self.assertEqual(list_of(text, "kProfileStringMembers")[-1], "LoyaltyTier")

    def test_new_address_member_is_listed(self):
        text = gen_members.render(with_profile_member("WorkAddress", "Address"))
        self.assertIn("WorkAddress", list_of(text, "kProfileAddressMembers"))

    def test_new_map_member_is_listed(self):
        text = gen_members.render(with_profile_member("Traits", "Attributes"))
        self.assertEqual(list_of(text, "kProfileMapMembers"), ["Attributes", "Traits"])

    def test_new_address_field_is_listed(self):
        model = copy.deepcopy(SOURCE)
        model["shapes"]["Address"]["members"]["Address5"] = {"shape": "string1To255"}
        self.assertIn("Address5", list_of(gen_members.render(model), "kAddressMembers"))

    def test_member_clients_do_not_write_is_read_only(self):
        text = gen_members.render(with_profile_member("Score", "Double", in_create=False))
        self.assertIn("Score", list_of(text, "kProfileReadOnlyMembers"))

    def test_writable_member_of_unknown_kind_stops_the_generator(self):
        model = with_profile_member("Score", "Double")
        with redirect_stderr(io.StringIO()) as err, self.assertRaises(SystemExit):
            gen_members.render(model)
        self.assertIn("Profile.Score", err.getvalue())

    def test_new_enum_value_is_listed(self):
        model = copy.deepcopy(SOURCE)
        model["shapes"]["RecommenderRecipeName"]["enum"].append("new-recipe")
        self.assertEqual(list_of(gen_members.render(model), "kRecommenderRecipeName")[-1],
                         "new-recipe")


if __name__ == "__main__":
    unittest.main()
