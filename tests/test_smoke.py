def test_world_builds(world):
    assert world.emma.guardians.count() == 2
