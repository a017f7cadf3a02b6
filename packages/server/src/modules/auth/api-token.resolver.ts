// API tokens: list, create (the secret is returned once), revoke. Needs the write scope.

import { Arg, Authorized, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../graphql/context.ts';
import type { Scope } from './auth.service.ts';

@ObjectType()
export class ApiToken {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'The first characters of the secret, to tell tokens apart.' })
  prefix!: string;

  @Field(() => [String])
  scopes!: string[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'After this the token is refused; null: it does not expire.' })
  expiresAt!: Date | null;
}

@ObjectType()
export class CreatedApiToken {
  @Field(() => ApiToken)
  token!: ApiToken;

  @Field(() => String, { description: 'Shown once: send it as "Authorization: Bearer <secret>".' })
  secret!: string;
}

@Resolver(() => ApiToken)
export class ApiTokenResolver {
  @Authorized('write')
  @Query(() => [ApiToken])
  apiTokens(@Ctx() ctx: RequestContext): Promise<ApiToken[]> {
    return ctx.services.auth.list();
  }

  @Authorized('write')
  @Mutation(() => CreatedApiToken)
  createApiToken(
    @Arg('name', () => String) name: string,
    @Arg('scopes', () => [String]) scopes: string[],
    @Ctx() ctx: RequestContext,
    @Arg('expiresAt', () => Date, {
      nullable: true,
      description: 'When the token stops working (open WebSockets using it are closed); it never expires when absent.',
    })
    expiresAt?: Date | null,
  ): Promise<CreatedApiToken> {
    return ctx.services.auth.create(name, scopes as Scope[], expiresAt);
  }

  @Authorized('write')
  @Mutation(() => Boolean, {
    description: 'Refuses the token from now on and closes WebSockets opened with it (4403); false for an id no token has.',
  })
  revokeApiToken(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.auth.revoke(id);
  }
}
